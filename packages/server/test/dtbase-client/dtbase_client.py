"""A DTBase client, as DTBase's own `dtbase/core/utils.py` talks to its backend.

Standard library only, so that the test needs nothing installed. It reproduces the wire
behaviour of DTBase's `backend_call` (requests with `json=payload`): JSON bodies with
`Content-Type: application/json`, no body at all when the payload is empty, the bearer token
in `Authorization`, and responses read as JSON.
"""
import json
import os
import urllib.error
import urllib.request

BACKEND_URL = os.environ.get("DT_BACKEND_URL", "http://localhost:5000")


class BackendCallError(Exception):
    pass


class Response:
    def __init__(self, status_code, body, headers):
        self.status_code = status_code
        self.text = body.decode("utf-8")
        self.headers = headers

    def json(self):
        return json.loads(self.text)


def backend_call(method, path, payload=None, headers=None):
    headers = dict(headers or {})
    data = None
    if payload:  # DTBase sends no body for an empty payload
        data = json.dumps(payload).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BACKEND_URL + path, data=data, headers=headers, method=method.upper())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Response(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), dict(error.headers))


def login(email, password):
    response = backend_call("post", "/auth/login", {"email": email, "password": password})
    if response.status_code != 200:
        raise BackendCallError(f"Failed to log in: {response.status_code} {response.text}")
    tokens = response.json()
    return tokens["access_token"], tokens["refresh_token"]


def auth_backend_call(method, path, payload=None, token=None):
    return backend_call(method, path, payload, {"Authorization": f"Bearer {token}"})
