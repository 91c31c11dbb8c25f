from django.urls import path

from activities.views import detail, edit, lists

app_name = "activities"
urlpatterns = [
    # Lists: "my branch's activities" / "all activities" (one view, scoped by for_user).
    path("", lists.activity_list, name="list"),
    path("export.xlsx", lists.activity_export, name="export"),
    path("review/", lists.review_queue, name="review_queue"),
    # Logging and editing.
    path("new/", edit.activity_create, name="create"),
    path("new/autosave/", edit.activity_autosave, name="autosave_new"),
    path("<int:pk>/autosave/", edit.activity_autosave, name="autosave"),
    path("members/search/", edit.member_search, name="member_search"),
    path("<int:pk>/edit/", edit.activity_edit, name="edit"),
    path("<int:pk>/attachments/", edit.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/delete/", edit.attachment_delete, name="attachment_delete"),
    # The activity page and its workflow (POST: submit, approve, return, reopen).
    path("<int:pk>/", detail.activity_detail, name="detail"),
    path("<int:pk>/workflow/<slug:action>/", detail.activity_transition, name="transition"),
]
