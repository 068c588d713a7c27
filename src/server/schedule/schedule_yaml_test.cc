// The v2 schedule YAML → POST /api/v1/schedules body, and its file:line errors.
#include "server/schedule/schedule_yaml.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runnel/error.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::schedule {
namespace {

class ScheduleYamlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("sched_yaml_" + std::to_string(::getpid()));
    fs::create_directories(root / "jobs");
    std::ofstream(root / "jobs/pipeline.yml") << "type: pipeline\njobs: {}\n";
  }
  void TearDown() override { fs::remove_all(root); }
  std::string write(const std::string& text) {
    std::ofstream(root / "jobs/schedule.yml") << text;
    return (root / "jobs/schedule.yml").string();
  }
  std::string error_of(const std::string& text) {
    try {
      load_schedule_yaml(write(text), root.string());
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path root;
};

TEST_F(ScheduleYamlTest, RecurrenceWithPatternAndFile) {
  json b = load_schedule_yaml(write(R"(
$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: nightly
display_name: Nightly
description: at 02:30 and 14:30
tags: {team: ml}
trigger:
  type: recurrence
  frequency: day
  interval: 1
  schedule:
    hours: [2, 14]
    minutes: 30
  start_time: "2026-03-01T00:00:00"
  time_zone: Pacific Standard Time
create_job: ./pipeline.yml
)"),
                              root.string(), {{"trigger.interval", "3"}});
  EXPECT_EQ(b["name"], "nightly");
  EXPECT_EQ(b["tags"]["team"], "ml");
  EXPECT_EQ(b["trigger"]["type"], "recurrence");
  EXPECT_EQ(b["trigger"]["interval"], 3);
  EXPECT_EQ(b["trigger"]["schedule"]["hours"], json({2, 14}));
  EXPECT_EQ(b["target"], (json{{"type", "pipeline_file"}, {"path", "jobs/pipeline.yml"}}));
}

TEST_F(ScheduleYamlTest, CronJobMappingAndInlineJob) {
  json b = load_schedule_yaml(write(R"(
name: weekdays
trigger: {type: cron, expression: "0 9 * * 1-5", timezone: Europe/Berlin}
create_job:
  job: ./pipeline.yml
  experiment_name: morning
  inputs: {alpha: 0.5}
)"),
                              root.string());
  EXPECT_EQ(b["trigger"]["time_zone"], "Europe/Berlin");
  EXPECT_EQ(b["experiment_name"], "morning");
  EXPECT_EQ(b["pipeline_parameters"]["alpha"], 0.5);
  json inl = load_schedule_yaml(write(R"(
name: inline
trigger: {type: recurrence, frequency: hour, interval: 1}
create_job:
  type: pipeline
  experiment_name: inl
  jobs:
    a: {type: command, command: echo hi}
)"),
                                root.string());
  EXPECT_EQ(inl["target"]["type"], "inline_job");
  EXPECT_EQ(inl["target"]["base_dir"], "jobs");
  EXPECT_EQ(json::parse(inl["target"]["yaml"].get<std::string>())["jobs"]["a"]["command"],
            "echo hi");
}

TEST_F(ScheduleYamlTest, ErrorsNameFileLineAndKey) {
  EXPECT_NE(
      error_of("name: x\ntrigger:\n  type: recurrence\n  frequency: fortnight\n  interval: 1\n"
               "create_job: ./pipeline.yml\n")
          .find("schedule.yml:4:14: trigger.frequency: 'fortnight' is not a frequency"),
      std::string::npos);
  EXPECT_NE(error_of("name: x\ntrigger: {type: cron, expression: \"61 * * * *\"}\ncreate_job: "
                     "./pipeline.yml\n")
                .find("schedule.yml:2:"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ntrigger: {type: recurrence, frequency: day, interval: 1}\n"
                     "create_job: ./nope.yml\n")
                .find("schedule.yml:3:13: create_job: './nope.yml' is not a file"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ncolour: red\n").find("schedule.yml:2:"), std::string::npos);
  EXPECT_NE(error_of("trigger: {type: recurrence}\n").find("name: required"), std::string::npos);
  EXPECT_NE(error_of("name: x\ntrigger: {type: weekly}\ncreate_job: ./pipeline.yml\n")
                .find("trigger.type: 'weekly' is not a trigger type"),
            std::string::npos);
}

}  // namespace
}  // namespace runnel::schedule
