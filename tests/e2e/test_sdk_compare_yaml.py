"""The YAML form of the compare-models demo against the Python form: the same fingerprints,
so the YAML run after the Python one reuses every step.

The engine fingerprints the rendered command (literal inputs substituted, whitespace
normalized) and not the step kind, so a YAML command job and an SDK PythonScriptStep that
run the same command line agree (src/engine/fingerprint.h)."""

import os
import unittest

from sdk_util import SdkScriptTest
import test_sdk_compare as base  # the module, not its class: discovery must not run it here

EXAMPLE = base.EXAMPLE


class YamlFormTest(SdkScriptTest):
    fingerprints = base.CompareFormsTest.fingerprints
    run_python_form = base.CompareFormsTest.run_python_form
    assert_all_reused = base.CompareFormsTest.assert_all_reused

    def test_yaml_same_fingerprints_as_python(self):
        from_python = self.run_python_form()
        self.run_pipeline(os.path.join(EXAMPLE, "pipeline.yml"), timeout=600)
        self.assertEqual(self.fingerprints(), from_python)
        self.assert_all_reused()


if __name__ == "__main__":
    unittest.main()
