"""Cheap relevance screening: which sentences are worth parsing.

Parsing is most of the cost, and most news is not about force posture. A
sentence is parsed when it holds a trigger, equipment, a facility word or an
attribution cue, or sits next to one that does (attributions and back-
references cross sentence boundaries).
"""

from __future__ import annotations

import re

from forcewatch.records import Analysis

_CUES = re.compile(
    r"\b(?:withdr[ae]w\w*|pull\w* (?:out|back)|retreat\w*|evacuat\w*|deploy\w*|redeploy\w*|reinforc\w*|"
    r"troops?|soldiers?|forces|military|army|navy|naval|air ?base|airbase|airfield|base|bases|convoy\w*|"
    r"frigates?|warships?|ships?|vessels?|tankers?|aircraft|planes?|jets?|helicopters?|drones?|missiles?|"
    r"took off|take off|depart\w*|arriv\w*|land(?:ed|ing)|dock\w*|anchor\w*|moor\w*|sail\w*|load\w*|transit\w*|"
    r"lease\w*|presence|station\w*|mobili[sz]\w*|attack\w*|strik\w*|bomb\w*|shell\w*|airstrikes?|invasion|invad\w*|"
    r"clash\w*|offensive|ceasefire|truce|sanction\w*|embargo\w*|talks|negotiat\w*|discuss\w*|summit|"
    r"agree\w*|accord|treaty|asylum|aid|accus\w*|condemn\w*|threat\w*|protest\w*|arrest\w*|detain\w*|seiz\w*|"
    r"satellite|imagery|footage|"
    r"did not respond|declined to comment|could not (?:immediately |independently )?(?:confirm|verify))\b",
    re.I,
)


def screen(analysis: Analysis) -> list[int]:
    """Indexes of the sentences to parse, in order."""
    text = analysis.document.text
    hits = {i for i, (s, e) in enumerate(analysis.sentences) if _CUES.search(text, s, e)}
    keep = set(hits)
    for i in hits:
        keep.update(j for j in (i - 1, i + 1) if 0 <= j < len(analysis.sentences))
    return sorted(keep)
