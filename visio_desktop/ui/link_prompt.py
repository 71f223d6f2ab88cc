"""Meeting links under the system policy: "Do you trust this server?" and the refusals.

`LinkGate.judge(link, known_hosts)` asks `core.link_policy.decide_link` and acts on it:
- ALLOW emits `allowed(link, media_on)`: the pre-join screen opens as usual;
- ASK opens `LinkPrompt`, a window-modal question showing the host as ASCII (punycode for
  international names, so that a lookalike cannot pass for a real name), with No as the default
  and Escape button; Yes emits `allowed(link, False)` (camera and microphone start off), No
  emits `declined()`;
- REFUSE emits `refused(text)`, the reason in words, in the user's language.
The question does not block the caller (no nested event loop); a newer link replaces a question
still open. `policy_notice` words the problems found in the policy for the home screen.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from visio_desktop.core.link_policy import LinkDecision, LinkOutcome, decide_link
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.policy import Policy

__all__ = ["LinkGate", "LinkPrompt"]


class LinkPrompt(QMessageBox):
    """The question before opening a link on a server that is not approved.

    `approved_list`: whether the organisation named servers (the question then says this one
    is not among them) or named none (the question says the user has not used it before)."""

    answered = Signal(bool)  # True: join anyway

    def __init__(
        self, decision: LinkDecision, approved_list: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.decision = decision
        self.setObjectName("linkPrompt")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.join_button = self.addButton(QMessageBox.StandardButton.Yes)
        self.cancel_button = self.addButton(QMessageBox.StandardButton.No)
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)
        self.finished.connect(
            lambda _: self.answered.emit(self.clickedButton() is self.join_button)
        )
        self.setWindowTitle(self.tr("Unknown meeting server"))
        host = decision.shown_host
        if approved_list:
            question = self.tr(
                "This meeting is on a server your organisation has not approved:\n\n%1\n\n"
                "Join anyway?"
            )
        else:
            question = self.tr(
                "This meeting is on a server you have never used:\n\n%1\n\nJoin anyway?"
            )
        self.setText(question.replace("%1", host))
        self.setInformativeText(
            self.tr(
                "Join only if you trust the person who sent you this link and recognise the "
                "server’s name. Your camera and microphone will start off."
            )
        )
        self.join_button.setText(self.tr("Join anyway"))
        self.join_button.setAccessibleName(self.tr("Join anyway"))
        self.join_button.setToolTip(
            self.tr("Open the meeting, with your camera and microphone off")
        )
        self.cancel_button.setText(self.tr("Do not join"))
        self.cancel_button.setAccessibleName(self.tr("Do not join"))
        self.cancel_button.setToolTip(self.tr("Go back without opening the meeting"))
        self.setAccessibleName(self.tr("Unknown meeting server"))
        self.setAccessibleDescription(question.replace("%1", host))


class LinkGate(QObject):
    """Judges meeting links under `policy`; `trusted_hosts` count as already joined (the
    embedded server's host)."""

    allowed = Signal(object, bool)  # MeetingLink, whether camera and microphone may start on
    declined = Signal()
    refused = Signal(str)

    def __init__(self, policy: Policy, trusted_hosts: Iterable[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.policy = policy
        self._trusted = tuple(trusted_hosts)
        self.prompt: LinkPrompt | None = None  # the question on screen, if any

    def judge(self, link: MeetingLink, known_hosts: Iterable[str]) -> LinkDecision:
        """Decide on `link` and act (see the module doc); the decision, for the caller."""
        self.dismiss()
        decision = decide_link(link, self.policy, (*known_hosts, *self._trusted))
        if decision.outcome is LinkOutcome.ALLOW:
            self.allowed.emit(link, decision.media_on)
        elif decision.outcome is LinkOutcome.REFUSE:
            self.refused.emit(self.refusal(decision))
        else:
            approved = bool(self.policy.allowed_servers or self.policy.default_server)
            window = self.parent()
            assert isinstance(window, QWidget)
            prompt = self.prompt = LinkPrompt(decision, approved, window)
            prompt.answered.connect(lambda yes: self._answered(prompt, yes))
            prompt.open()
        return decision

    def dismiss(self) -> None:
        """Close a question still open, without an answer."""
        prompt, self.prompt = self.prompt, None
        if prompt is not None:
            prompt.answered.disconnect()
            prompt.close()
            prompt.deleteLater()

    def _answered(self, prompt: LinkPrompt, yes: bool) -> None:
        if prompt is not self.prompt:
            return
        self.prompt = None
        prompt.deleteLater()
        if yes:
            self.allowed.emit(prompt.decision.link, False)
        else:
            self.declined.emit()

    def refusal(self, decision: LinkDecision) -> str:
        """Why a link is refused, in words (`decision.message` is the English original)."""
        host = decision.shown_host
        if decision.policy_unreadable:
            text = self.tr(
                "This meeting is on %1. The meeting rules set by your IT department on this "
                "computer could not be read, so no meeting server is allowed until they are "
                "fixed. Ask your IT department."
            )
        elif decision.allowed_hosts:
            text = self.tr(
                "This meeting is on %1, a server your organisation does not allow. On this "
                "computer, meetings are only allowed on: %2. Ask your IT department."
            )
        else:
            text = self.tr(
                "This meeting is on %1, and your organisation allows no meeting server on this "
                "computer. Ask your IT department."
            )
        return text.replace("%1", host).replace("%2", ", ".join(decision.allowed_hosts))

    def built_in_server_refusal(self) -> str:
        """Why no meeting can be created on the built-in server ("" when it can be): a policy
        that forbids unknown servers and does not name this computer's."""
        policy = self.policy
        if policy.allow_unknown_servers or any(map(policy.allows_host, self._trusted)):
            return ""
        return self.tr(
            "Your administrator allows meetings only on approved servers, so a meeting cannot "
            "be created on this computer."
        )

    def policy_notice(self, problems: list[str]) -> str:
        """What the home screen says when the policy has problems ("" when it has none)."""
        if self.policy.unreadable:
            return self.tr(
                "The meeting rules set by your IT department on this computer could not be "
                "read. Until they are fixed, meeting links are refused and captions are off. "
                "Please tell your IT department."
            )
        if not problems:
            return ""
        return self.tr(
            "Some of the meeting rules set by your IT department on this computer are not "
            "valid; the safest choice applies to them until they are fixed. Please tell your "
            "IT department."
        )
