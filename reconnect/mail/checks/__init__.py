"""Checks a rendered email the way mail clients will read it: which HTML and CSS
features it uses against caniemail.com's support data (:mod:`.support`), and whether
every piece of text stays readable in light mode, dark mode and the inversions Gmail and
Outlook apply themselves (:mod:`.contrast`). The tests run them over every email the
system sends; the preview gallery shows the same reports (:mod:`.report`)."""
