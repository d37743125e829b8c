"""The round trip of a DTBase user: log in, describe a sensor, post readings, read them back,
record a model run and read it. Exits non-zero, saying what differed, on the first surprise."""
import os
import sys

from dtbase_client import auth_backend_call, backend_call, login

EMAIL = os.environ["DT_TEST_EMAIL"]
PASSWORD = os.environ["DT_TEST_PASSWORD"]


def expect(response, status, body=None, what=""):
    if response.status_code != status:
        sys.exit(f"{what}: expected {status}, got {response.status_code}: {response.text}")
    if body is not None and response.json() != body:
        sys.exit(f"{what}: expected body {body!r}, got {response.json()!r}")
    return response


access, refresh = login(EMAIL, PASSWORD)
call = lambda method, path, payload=None: auth_backend_call(method, path, payload, access)

expect(backend_call("get", "/user/list-users"), 401, {"detail": "Not authenticated"}, "no token")

expect(call("post", "/sensor/insert-sensor-type", {
    "name": "weather station",
    "description": "temperature and rain",
    "measures": [
        {"name": "temperature", "units": "K", "datatype": "float"},
        {"name": "raining", "units": None, "datatype": "boolean"},
    ],
}), 201, {"detail": "Sensor type inserted"}, "insert-sensor-type")
expect(call("post", "/sensor/insert-sensor", {"type_name": "weather station", "unique_identifier": "ws-1", "name": "roof", "notes": None}),
       201, {"detail": "Sensor inserted"}, "insert-sensor")

timestamps = ["2024-01-01T00:00:00", "2024-01-01T01:00:00", "2024-01-01T02:00:00.250000"]
expect(call("post", "/sensor/insert-sensor-readings", {
    "measure_name": "temperature", "unique_identifier": "ws-1",
    "readings": [271.0, 272.5, 273.25], "timestamps": timestamps,
}), 201, {"detail": "Sensor readings inserted"}, "insert-sensor-readings")
expect(call("post", "/sensor/insert-sensor-readings", {
    "measure_name": "raining", "unique_identifier": "ws-1", "readings": [True], "timestamps": ["2024-01-01T00:00:00Z"],
}), 201, None, "insert boolean readings")

readings = expect(call("post", "/sensor/sensor-readings", {
    "measure_name": "temperature", "unique_identifier": "ws-1",
    "dt_from": "2024-01-01T00:00:00", "dt_to": "2024-01-01T02:00:00.250000",
}), 200, None, "sensor-readings").json()
if readings != [
    {"value": 271.0, "timestamp": "2024-01-01T00:00:00Z"},
    {"value": 272.5, "timestamp": "2024-01-01T01:00:00Z"},
    {"value": 273.25, "timestamp": "2024-01-01T02:00:00.250000Z"},
]:
    sys.exit(f"sensor-readings returned {readings!r}")

sensors = expect(call("post", "/sensor/list-sensors", {"type_name": "weather station"}), 200, None, "list-sensors").json()
if sensors != [{"unique_identifier": "ws-1", "name": "roof", "notes": None}]:
    sys.exit(f"list-sensors returned {sensors!r}")

expect(call("post", "/model/insert-model", {"name": "forecast"}), 201, {"detail": "Model inserted"}, "insert-model")
expect(call("post", "/model/insert-model-measure", {"name": "temperature forecast", "units": "K", "datatype": "float"}),
       201, {"detail": "Model measure inserted"}, "insert-model-measure")
expect(call("post", "/model/insert-model-run", {
    "model_name": "forecast", "scenario_description": "baseline", "create_scenario": True,
    "time_created": "2024-01-01T03:00:00",
    "measures_and_values": [{"measure_name": "temperature forecast", "values": [274.0, 275.5],
                             "timestamps": ["2024-01-01T03:00:00", "2024-01-01T04:00:00"]}],
    "sensor_unique_id": "ws-1", "sensor_measure": {"name": "temperature", "units": "K"},
}), 201, {"detail": "Model run inserted"}, "insert-model-run")

runs = expect(call("post", "/model/list-model-runs", {"model_name": "forecast", "dt_from": "2023-12-31", "dt_to": "2024-01-02"}),
              200, None, "list-model-runs").json()
if len(runs) != 1 or runs[0]["scenario_description"] != "baseline" or runs[0]["time_created"] != "2024-01-01T03:00:00Z" \
        or runs[0]["sensor_unique_id"] != "ws-1" or runs[0]["sensor_measure"] != {"name": "temperature", "units": "K"}:
    sys.exit(f"list-model-runs returned {runs!r}")

run = expect(call("post", "/model/get-model-run", {"run_id": runs[0]["id"]}), 200, None, "get-model-run").json()
if run != {"temperature forecast": [
    {"value": 274.0, "timestamp": "2024-01-01T03:00:00Z"},
    {"value": 275.5, "timestamp": "2024-01-01T04:00:00Z"},
]}:
    sys.exit(f"get-model-run returned {run!r}")

# Token refresh, as DTBase's frontend does it: the refresh token as the bearer token, no body.
pair = expect(auth_backend_call("post", "/auth/refresh", None, refresh), 200, None, "refresh").json()
if set(pair) != {"access_token", "refresh_token"}:
    sys.exit(f"refresh returned {pair!r}")

print("dtbase client scenario: ok")
