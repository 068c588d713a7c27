"""The SDK's ScheduleRecurrence checks and TimeZone names (runnel/sdk/schedule.py), and
Schedule's refusal without a server. The firing itself is tested against a live server in
tests/e2e/test_schedules.py."""
import datetime
import os
import tempfile
import types
import unittest

from runnel.sdk.schedule import Schedule, ScheduleRecurrence, TimeZone


class ScheduleRecurrenceTest(unittest.TestCase):

    def test_time_zone_constants_are_the_sdk_names(self):
        self.assertEqual(TimeZone.PacificStandardTime, "Pacific Standard Time")
        self.assertEqual(TimeZone.UTC, "UTC")
        self.assertEqual(TimeZone.WEuropeStandardTime, "W. Europe Standard Time")
        self.assertEqual(TimeZone.UTC11, "UTC-11")
        self.assertEqual(TimeZone.UTC12, "UTC+12")

    def test_body_of_a_recurrence(self):
        r = ScheduleRecurrence("Week", 2, start_time=datetime.datetime(2026, 3, 8, 2, 30, 15, 999),
                               time_zone=TimeZone.EasternStandardTime, week_days=["Monday", "Friday"],
                               time_of_day="02:30")
        r.validate()
        self.assertEqual(r._to_json(), {"type": "recurrence", "frequency": "Week", "interval": 2,
                                        "start_time": "2026-03-08T02:30:15",
                                        "time_zone": "Eastern Standard Time",
                                        "week_days": ["Monday", "Friday"], "time_of_day": "02:30"})

    def test_what_the_sdk_refuses(self):
        bad = [
            dict(frequency="Fortnight", interval=1),
            dict(frequency="Day", interval=0),
            dict(frequency="Minute", interval=1, hours=[3]),
            dict(frequency="Day", interval=1, week_days=["Monday"]),
            dict(frequency="Week", interval=1, week_days=["Funday"]),
            dict(frequency="Day", interval=1, hours=[3], time_of_day="10:00"),
            dict(frequency="Day", interval=1, hours=[24]),
            dict(frequency="Day", interval=1, time_of_day="10h"),
            dict(frequency="Day", interval=1,
                 start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)),
        ]
        for kw in bad:
            with self.assertRaises(ValueError, msg=str(kw)):
                ScheduleRecurrence(**kw).validate()

    def test_a_named_server_must_answer(self):
        # Without $RUNNEL_SERVER and with no server, schedules are kept in the workspace
        # (tests/e2e/test_notebooks.py: test_schedules_without_a_server); a server named by
        # $RUNNEL_SERVER must answer.
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, ".runnel"))
            with open(os.path.join(d, ".runnel", "config.json"), "w") as f:
                f.write("{}")
            ws = types.SimpleNamespace(path=d)
            env = os.environ.get("RUNNEL_SERVER")
            os.environ["RUNNEL_SERVER"] = "http://127.0.0.1:9"
            try:
                with self.assertRaisesRegex(RuntimeError, "runnel serve"):
                    Schedule.create(ws, "s", experiment_name="e", pipeline_path=os.path.join(d, "p.yml"),
                                    recurrence=ScheduleRecurrence("Day", 1))
            finally:
                if env is None:
                    os.environ.pop("RUNNEL_SERVER", None)
                else:
                    os.environ["RUNNEL_SERVER"] = env
        with self.assertRaisesRegex(ValueError, "pipeline_id"):
            Schedule.create(types.SimpleNamespace(path="/nonexistent"), "s", experiment_name="e",
                            recurrence=ScheduleRecurrence("Day", 1))


if __name__ == "__main__":
    unittest.main()
