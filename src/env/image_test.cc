// The image policy of environments (env/image.h), with a fake probe instead of podman.
#include "env/image.h"

#include "gtest/gtest.h"
#include "runnel/error.h"

namespace runnel::env {
namespace {

ImageProbe has(const std::string& local) {
  return [local](const std::string&, const std::string& image) {
    return image == local ? std::string() : "podman has no image '" + image + "' locally";
  };
}

TEST(ImageSettingsTest, DefaultsAndEveryKey) {
  ImageSettings d = parse_image_settings("", "/ws/.runnel/config.json");
  EXPECT_EQ(d.policy, ImagePolicy::kAuto);
  EXPECT_EQ(d.podman, "podman");
  ImageSettings s = parse_image_settings(R"({"images": "require",
      "image_map": {"mcr.microsoft.com/azureml/x:1": "localhost/x:1"},
      "podman": {"path": "/usr/bin/podman", "args": ["--runtime", "runc"]},
      "slurm": {"runtime": "apptainer", "args": ["--nv"],
                "image_map": {"python:3.11": "/shared/py.sif"}}})",
                                         "/ws/.runnel/config.json");
  EXPECT_EQ(s.policy, ImagePolicy::kRequire);
  EXPECT_EQ(s.image_map.at("mcr.microsoft.com/azureml/x:1"), "localhost/x:1");
  EXPECT_EQ(s.podman, "/usr/bin/podman");
  EXPECT_EQ(s.podman_args, (std::vector<std::string>{"--runtime", "runc"}));
  EXPECT_EQ(s.slurm_runtime, "apptainer");
  EXPECT_EQ(s.slurm_image_map.at("python:3.11"), "/shared/py.sif");
}

TEST(ImageSettingsTest, BadValuesNameTheKey) {
  auto error_of = [](const std::string& text) {
    try {
      parse_image_settings(text, "/ws/.runnel/config.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(R"({"images": "sometimes"})")
                .find("/ws/.runnel/config.json: environments.images: expected auto, require or "
                      "host, got 'sometimes'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"podman": {"args": "--runtime runc"}})")
                .find("environments.podman.args: expected a list of strings"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"image_map": {"a": 3}})").find("environments.image_map.a"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"imagez": "auto"})").find("environments.imagez: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"slurm": {"runtime": "docker"}})").find("environments.slurm.runtime"),
            std::string::npos);
}

TEST(DecideImageTest, LocalImageRunsInPodmanWithTheWorkspaceArgs) {
  ImageSettings s;
  s.podman_args = {"--runtime", "runc"};
  ImageDecision d = decide_image(s, "environment 'e' version 1", "localhost/bb:1", "local",
                                 has("localhost/bb:1"));
  EXPECT_EQ(d.run_image, "localhost/bb:1");
  EXPECT_EQ(d.runtime, "podman");
  EXPECT_EQ(d.args, s.podman_args);
  EXPECT_EQ(d.warning, "");
}

TEST(DecideImageTest, MappedImage) {
  ImageSettings s;
  s.image_map["python:3.11"] = "localhost/bb:1";
  ImageDecision d =
      decide_image(s, "environment 'e' version 1", "python:3.11", "local", has("localhost/bb:1"));
  EXPECT_EQ(d.run_image, "localhost/bb:1");
}

TEST(DecideImageTest, MissingImageFallsBackWithOneWarningOrIsAnErrorUnderRequire) {
  ImageSettings s;
  ImageDecision d =
      decide_image(s, "environment 'e' version 1", "python:3.11", "local", has("other"));
  EXPECT_EQ(d.run_image, "");
  EXPECT_NE(d.warning.find("environment 'e' version 1 names image 'python:3.11'"),
            std::string::npos);
  EXPECT_NE(d.warning.find("podman has no image 'python:3.11' locally"), std::string::npos);
  EXPECT_NE(d.warning.find("environments.image_map"), std::string::npos);
  EXPECT_NE(d.warning.find("environments.images: require"), std::string::npos);
  s.policy = ImagePolicy::kRequire;
  try {
    decide_image(s, "environment 'e' version 1", "python:3.11", "local", has("other"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cannot run here: podman has no image"),
              std::string::npos);
  }
  s.policy = ImagePolicy::kHost;  // never a container, and no warning
  d = decide_image(s, "environment 'e' version 1", "localhost/bb:1", "local",
                   has("localhost/bb:1"));
  EXPECT_EQ(d.run_image, "");
  EXPECT_EQ(d.warning, "");
}

TEST(DecideImageTest, SlurmUsesTheConfiguredRuntimeWithoutProbing) {
  ImageSettings s;
  auto never = [](const std::string&, const std::string&) -> std::string {
    ADD_FAILURE() << "probed";
    return "";
  };
  ImageDecision d = decide_image(s, "environment 'e' version 1", "python:3.11", "slurm", never);
  EXPECT_EQ(d.run_image, "");
  EXPECT_NE(d.warning.find("environments.slurm.runtime"), std::string::npos);
  s.slurm_runtime = "apptainer";
  s.slurm_image_map["python:3.11"] = "/shared/py.sif";
  d = decide_image(s, "environment 'e' version 1", "python:3.11", "slurm", never);
  EXPECT_EQ(d.run_image, "/shared/py.sif");
  EXPECT_EQ(d.runtime, "apptainer");
}

TEST(DecideImageTest, NoImageNoDecision) {
  ImageDecision d = decide_image(ImageSettings{}, "x", "", "local", has(""));
  EXPECT_EQ(d.run_image, "");
  EXPECT_EQ(d.warning, "");
}

}  // namespace
}  // namespace runnel::env
