"""The YAML form of the compare-models demo against the Python form: the same fingerprints.

A known gap (issue 11): the engine's fingerprint includes the step kind ("command" for YAML,
"python_script" for the SDKs) and the unrendered command with literal inputs, so the forms
differ today. The test is skipped with that reason (a visible skip in ctest's summary) until
src/engine/fingerprint.cc normalizes both; then remove the skip."""

import os
import unittest

from sdk_util import SdkScriptTest
import test_sdk_compare as base  # the module, not its class: discovery must not run it here

EXAMPLE = base.EXAMPLE


class YamlFormTest(SdkScriptTest):
    fingerprints = base.CompareFormsTest.fingerprints
    run_python_form = base.CompareFormsTest.run_python_form
    assert_all_reused = base.CompareFormsTest.assert_all_reused

    @unittest.skip("known gap (issue 11): YAML and SDK fingerprints differ in step kind and literal inputs")
    def test_yaml_same_fingerprints_as_python(self):
        from_python = self.run_python_form()
        self.run_pipeline(os.path.join(EXAMPLE, "pipeline.yml"), timeout=600)
        self.assertEqual(self.fingerprints(), from_python)
        self.assert_all_reused()


if __name__ == "__main__":
    unittest.main()
