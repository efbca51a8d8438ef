"""A test program with every part of the format for roles and safety in use, written out
here in full so the tests that need it do not hang on the wording of the shipped stages:
a partner exercise with its safety line and solo version, a look-back question, a multi
question, a safety answer, worrying answers, replies, every snippet and a discreet
envelope of its own.

It stands in for ``main``, next to the other shipped programs (copied as they are), and
runs welcome (day 0), acknowledge (week 1) and share-without-blame (week 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

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
# Words of the program's own, unlike the default envelope, so that a test can tell them
# apart from it.
DISCREET = {"sender_name": "Tuesday letters", "subject": "This week's letter",
            "preheader": "A short letter is here for you."}
SENDER_NAME = "Reconnect"
# Where the body of each stage begins: the tests place the blocks around them.
ACKNOWLEDGE_BODY_START = "Many people living with this kind of distance"
SHARE_BODY_START = "Last week was about finding words"
SHARE_TITLE = "Share your feelings without blame"

_CONNECTION = '''  - key: connection
{about}    question: "How connected did you feel to your partner this past week?"
    kind: scale
    low_label: "Very distant"
    high_label: "Very close"
    shared: true
    worrying: ["1"]
'''
_SIGN_OFF = '''sign_off: |-
  Until next week,
  The test team
'''

_WELCOME = '''---
day: 0
title: "Welcome to the test program"
subject: "Welcome to the test program"
preheader: "What the next two weeks hold."
exercise:
  title: "Notice one near moment"
  text: |
    Each evening this week, write down one moment when you felt near to someone.
prompts:
''' + _CONNECTION.format(about="") + _SIGN_OFF + '''---
Hi {{ first_name }},

Welcome. Each week brings one short read, one small exercise and a few questions.
'''

_ACKNOWLEDGE = '''---
day: 7
title: "Acknowledge what is happening"
subject: "Week 1: Acknowledge what is happening"
preheader: "Finding words for the distance."
involves_partner: true
exercise:
  title: "''' + PARTNER_TITLE + '''"
  text: |
    {{ safety_line }}

    Find fifteen quiet minutes with your partner and finish three sentences together.
  solo:
    title: "''' + SOLO_TITLE + '''"
    text: |
      Find fifteen quiet minutes alone and finish three sentences in a private note.
prompts:
''' + _CONNECTION.format(about="    about: last-week\n") + '''  - key: noticed
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
    question: "How does putting a name to the pattern feel right now?"
    kind: choice
    choices:
      - value: relief
        label: "A relief"
      - value: heavy
        label: "Heavy or sad"
      - value: scary
        label: "A bit frightening"
      - value: mixed
        label: "A mix of things"
      - value: not-safe
        label: "I don't feel safe doing this"
        safety: true
    worrying: [not-safe]
    replies:
      relief: "''' + RELIEF_REPLY + '''"
''' + _SIGN_OFF + '''---
Hi {{ first_name }},

''' + ACKNOWLEDGE_BODY_START + ''' find it hard to describe. There was no single
argument, just a slow fading.

{% if partner_name %}{{ partner_name }} may{% else %}Your partner may{% endif %} feel it
too, or may not have found words for it yet.
'''

_SHARE = '''---
day: 14
title: "''' + SHARE_TITLE + '''"
subject: "Week 2: Share your feelings without blame"
preheader: "Saying how you feel in a way that is easier to hear."
exercise:
  title: "One calm sentence"
  text: |
    Write one sentence that starts with "I feel" and read it aloud to yourself.
prompts:
''' + _CONNECTION.format(about="    about: last-week\n") + '''  - key: sharing-ready
    question: "How do you feel about sharing a feeling this week?"
    kind: choice
    choices:
      - value: ready
        label: "Ready to try"
      - value: nervous
        label: "Nervous, but willing"
''' + _SIGN_OFF + '''---
Hi {{ first_name }},

''' + SHARE_BODY_START + ''' for what has been missing. This week is about sharing them.
'''

STAGES = {"welcome": _WELCOME, "acknowledge": _ACKNOWLEDGE, "share-without-blame": _SHARE}


def rich_programs(root: Path) -> Path:
    """Copies the shipped programs into ``root`` and puts the test program in place of
    ``main``; returns ``root``, to use as ``program_dir``."""
    shutil.copytree(PROJECT_ROOT / "program", root)
    main = root / "main"
    shutil.rmtree(main)
    (main / "stages").mkdir(parents=True)
    (main / "snippets").mkdir()
    manifest = {
        "slug": "main", "title": "A test program of three weeks",
        "description": "Three short weeks that use every part of the program format.",
        "sender_name": SENDER_NAME,
        "safety_note": "If you ever feel unsafe at home, help is available.",
        "discreet": DISCREET, "stages": list(STAGES),
    }
    (main / "program.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False),
                                       encoding="utf-8")
    for key, text in STAGES.items():
        (main / "stages" / f"{key}.md").write_text(text, encoding="utf-8")
    for name, snippet in SNIPPETS.items():
        (main / "snippets" / f"{name}.md").write_text(snippet + "\n", encoding="utf-8")
    return root
