"""An ingress and a model written against DTBase's BaseIngress/BaseModel contract, run twice each
against the server (the second run meets 409s and writes nothing twice), then the run's skill
read back. Exits non-zero, saying what differed, on the first surprise."""
import os
import sys

from dtbase_client import BackendCallError, auth_backend_call, login
from dtbase_services import BaseIngress, BaseModel, ServiceRequestFailed

HOURS = [f"2024-07-01T{h:02d}:00:00" for h in range(6)]
OBSERVED = [14.0, 15.0, 16.5, 18.0, 17.0, 15.5]


class StationIngress(BaseIngress):
    def get_service_data(self, station, readings):
        return [
            ("/sensor/insert-sensor-type", {
                "name": "thermometer", "description": "air temperature",
                "measures": [{"name": "air temperature", "units": "degC", "datatype": "float"}],
            }),
            ("/sensor/insert-sensor", {"type_name": "thermometer", "unique_identifier": station, "name": None, "notes": None}),
            ("/sensor/insert-sensor-readings", {
                "measure_name": "air temperature", "unique_identifier": station,
                "readings": readings, "timestamps": HOURS[:len(readings)],
            }),
        ]


class PersistenceModel(BaseModel):
    """Tomorrow is like today, plus an offset; a band of one degree either side."""

    def get_service_data(self, station, offset):
        mean = [value + offset for value in OBSERVED]
        series = [("mean", mean), ("lower", [m - 1 for m in mean]), ("upper", [m + 1 for m in mean])]
        return [
            ("/model/insert-model", {"name": "persistence"}),
            ("/model/insert-model-scenario", {"model_name": "persistence", "description": f"offset {offset}"}),
            *[("/model/insert-model-measure", {"name": name, "units": "degC", "datatype": "float"}) for name, _ in series],
            ("/model/insert-model-run", {
                "model_name": "persistence", "scenario_description": f"offset {offset}", "time_created": "2024-07-01T06:00:00",
                "measures_and_values": [{"measure_name": name, "values": values, "timestamps": HOURS} for name, values in series],
                "sensor_unique_id": station, "sensor_measure": {"name": "air temperature", "units": "degC"},
            }),
        ]


class BrokenModel(BaseModel):
    def get_service_data(self):
        return [("/model/insert-model-scenario", {"model_name": "no such model", "description": "x"})]


def statuses(answered):
    return [status for _, status in answered]


def check(what, got, expected):
    if got != expected:
        sys.exit(f"{what}: expected {expected!r}, got {got!r}")


ingress = StationIngress()
# Credentials passed as DTBase's callers pass them; every later call takes them from the environment.
check("first ingress", statuses(ingress(dt_user_email=os.environ["DT_DEFAULT_USER_EMAIL"],
                                        dt_user_password=os.environ["DT_DEFAULT_USER_PASS"], station="st-9", readings=OBSERVED)),
      [201, 201, 201])
# Again: type and sensor exist (409, fine), the readings are skipped as duplicates.
check("second ingress", statuses(ingress(station="st-9", readings=OBSERVED)), [409, 409, 201])

model = PersistenceModel()
check("first model run", statuses(model(station="st-9", offset=0.5)), [201] * 6)
check("second model run", statuses(model(station="st-9", offset=0.5)), [409] * 6)
check("another scenario", statuses(model(station="st-9", offset=-2)), [409, 201, 409, 409, 409, 201])

try:
    BrokenModel()()
    sys.exit("a request answered 400 did not stop the service")
except ServiceRequestFailed as failure:
    check("failed request", (failure.endpoint, failure.status_code), ("/model/insert-model-scenario", 400))

try:
    StationIngress()(dt_user_password="wrong password", station="st-9", readings=[])
    sys.exit("a wrong password did not stop the service")
except BackendCallError as failure:
    check("wrong password", "401" in str(failure), True)

token, _ = login(os.environ["DT_DEFAULT_USER_EMAIL"], os.environ["DT_DEFAULT_USER_PASS"])
call = lambda method, path, payload=None: auth_backend_call(method, path, payload, token)
readings = call("post", "/sensor/sensor-readings", {
    "measure_name": "air temperature", "unique_identifier": "st-9", "dt_from": HOURS[0], "dt_to": HOURS[-1],
}).json()
check("readings, once each", [r["value"] for r in readings], OBSERVED)

runs = call("post", "/model/list-model-runs", {"model_name": "persistence", "dt_from": "2024-07-01", "dt_to": "2024-07-02"}).json()
check("runs", sorted(r["scenario_description"] for r in runs), ["offset -2", "offset 0.5"])

# What the two scenarios were worth, as an operator would ask.
skill = call("get", "/api/v1/models/persistence/skill").json()
check("skill per scenario", [(s["scenario"], s["points"], s["bias"], s["mae"], s["band_coverage"]) for s in skill["scenarios"]],
      [("offset -2", 6, -2.0, 2.0, 0.0), ("offset 0.5", 6, 0.5, 0.5, 1.0)])

print("dtbase services scenario: ok")
