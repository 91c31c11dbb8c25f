"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


activity_list = activity_export = review_queue = _todo
activity_create = activity_edit = attachment_upload = attachment_delete = _todo
activity_detail = activity_transition = _todo
