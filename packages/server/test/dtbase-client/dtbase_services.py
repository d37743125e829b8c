"""DTBase's contract for ingress and model services, as its `dtbase/services/base.py` defines it.

A service subclasses BaseIngress or BaseModel and implements get_service_data(**kwargs), which
returns (endpoint, payload) pairs. Calling the service logs in with an e-mail address and a
password through /auth/login, then POSTs each payload to its endpoint with the access token, in
order. A 409 (the thing exists already) is not a failure, so a service can be run again; any
other answer outside 2xx stops the run. Written from the contract, standard library only, on top
of the backend_call reproduction in dtbase_client.py.
"""
import logging
import os

from dtbase_client import auth_backend_call, login

logger = logging.getLogger("dtbase_services")


class ServiceRequestFailed(Exception):
    def __init__(self, endpoint, response):
        super().__init__(f"POST {endpoint} answered {response.status_code}: {response.text}")
        self.endpoint = endpoint
        self.status_code = response.status_code


class BaseService:
    def get_service_data(self, **kwargs):
        raise NotImplementedError("a service returns its (endpoint, payload) pairs from get_service_data")

    def __call__(self, dt_user_email=None, dt_user_password=None, **kwargs):
        """Runs the service with the service's own keyword arguments; returns (endpoint, status)
        of every request made. Credentials as DTBase takes them: the two keyword arguments, or
        the environment variables DT_DEFAULT_USER_EMAIL and DT_DEFAULT_USER_PASS."""
        email = dt_user_email or os.environ.get("DT_DEFAULT_USER_EMAIL")
        password = dt_user_password or os.environ.get("DT_DEFAULT_USER_PASS")
        token, _refresh = login(email, password)
        answered = []
        for endpoint, payload in self.get_service_data(**kwargs):
            response = auth_backend_call("post", endpoint, payload, token)
            if response.status_code == 409:
                logger.info("%s: exists already, carrying on", endpoint)
            elif not 200 <= response.status_code < 300:
                raise ServiceRequestFailed(endpoint, response)
            answered.append((endpoint, response.status_code))
        return answered


class BaseIngress(BaseService):
    """A service that brings data from elsewhere into the database."""


class BaseModel(BaseService):
    """A service that reads data, runs a model and records its run."""
