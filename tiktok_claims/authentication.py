"""The login throttle's authentication backend."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins made through a request.

    authenticate() without a request (the test client's login(), a management command) has no
    address to throttle and no attacker behind it, so it is passed on to the next backend
    instead of raising AxesBackendRequestParameterRequired.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
