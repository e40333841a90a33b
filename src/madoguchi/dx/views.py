"""Screens of the DX office (情報政策課). Who may open them: core.permissions (A.DX)."""

from django.shortcuts import render

from . import selectors


def home(request):
    """The DX office's start page: what there is to read, and how fresh the counters are."""
    return render(request, "dx/home.html", {"devices": selectors.device_summary()})
