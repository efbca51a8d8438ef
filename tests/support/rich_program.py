"""A copy of the shipped programs with every part of the format for roles and safety in
use (the shipped content gains them with its next rewrite): a partner exercise with its
safety line and solo version, a look-back question, a multi question, a safety answer,
worrying answers, replies, every snippet and a discreet envelope."""

from __future__ import annotations

import shutil
from pathlib import Path

from reconnect.settings import PROJECT_ROOT

SNIPPETS = {
    "partner-safety": "If doing this with {% if partner_name %}{{ partner_name }}{% else %}"
                      "your partner{% endif %} would not feel safe, skip it and do the "
                      "version for one below.",
    "low-rating": "**A hard week.** Last week you rated things low. That is worth noticing, "
                  "not fixing today.",
    "support": "Thank you for telling us. You do not have to carry this alone: talking to "
               "someone you trust, or a support line, can help.",
    "reveal": "You both answered. Compare gently, and ask one curious question.",
    "reveal-far-apart": "Your answers are quite different. That is common; start with "
                        "listening, not explaining.",
}
SAFETY_TEXT = "skip it and do the version for one below"
LOW_RATING_TEXT = "Last week you rated things low"
SOLO_TITLE = "Three sentences, for yourself only"
PARTNER_TITLE = "Say it in three sentences"
RELIEF_REPLY = "Relief is a good sign: naming things often lightens them."
DISCREET = {"sender_name": "Weekly notes", "subject": "Your note for this week",
            "preheader": "A short note is waiting for you."}

_EXERCISE = '''exercise:
  title: "Say it in three sentences"
  text: |
    {{ safety_line }}

    Find fifteen quiet minutes with your partner and finish three sentences together.
  solo:
    title: "Three sentences, for yourself only"
    text: |
      Find fifteen quiet minutes alone and finish three sentences in a private note.
involves_partner: true
prompts:
  - key: connection
    about: last-week
'''
_NOTICED = '''  - key: noticed
    question: "Which of these did you notice this week?"
    kind: multi
    choices:
      - value: fewer-talks
        label: "Fewer talks"
      - value: less-touch
        label: "Less touch"
      - value: more-screens
        label: "More screens"
      - value: no-one
        label: "No one to talk to"
    worrying: [no-one]
  - key: naming-feels
'''
_SAFETY_CHOICE = '''      - value: mixed
        label: "A mix of things"
      - value: not-safe
        label: "I don't feel safe doing this"
        safety: true
    worrying: [not-safe]
    replies:
      relief: "Relief is a good sign: naming things often lightens them."
'''


def rich_programs(root: Path) -> Path:
    """Copies the shipped programs into ``root`` and enriches ``main``; returns
    ``root``, to use as ``program_dir``."""
    shutil.copytree(PROJECT_ROOT / "program", root)
    main = root / "main"
    ack = main / "stages" / "acknowledge.md"
    text = ack.read_text(encoding="utf-8")
    head, _, rest = text.partition("exercise:\n")
    rest = rest.split("prompts:\n  - key: connection\n", 1)[1]
    start, _, tail = rest.partition("  - key: noticed\n")
    tail = tail.split("  - key: naming-feels\n", 1)[1]
    tail = tail.replace('''      - value: mixed
        label: "A mix of things"
''', _SAFETY_CHOICE, 1)
    ack.write_text(head + _EXERCISE + start + _NOTICED + tail, encoding="utf-8")
    (main / "snippets").mkdir()
    for name, snippet in SNIPPETS.items():
        (main / "snippets" / f"{name}.md").write_text(snippet + "\n", encoding="utf-8")
    manifest = main / "program.yaml"
    discreet = "discreet:\n" + "".join(f'  {k}: "{v}"\n' for k, v in DISCREET.items())
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "stages:\n", discreet + "stages:\n", 1), encoding="utf-8")
    return root
