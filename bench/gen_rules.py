# SPDX-License-Identifier: MIT
# Writes a deterministic .rules file of N generated rules (default 2,000) whose
# patterns look like real ones, so the benchmark sees a pack of realistic size.
"""usage: gen_rules.py OUT.rules [N] [SEED]"""

import random
import sys

CATEGORIES = [
    "deception", "offshore_recruitment", "fee_debt", "documents",
    "wage_withholding", "movement_restriction", "isolation_living",
    "off_platform_contact", "sexual_exploitation", "minors",
    "domestic_servitude", "obfuscation",
]

# Word pools an ad writer would use; each entry is already a regex fragment.
SUBJ = ["we", "i", "the\\s+agency", "our\\s+agent", "the\\s+employer", "the\\s+boss",
        "the\\s+company", "our\\s+office", "the\\s+manager", "the\\s+family", "my\\s+client",
        "the\\s+owner", "the\\s+sponsor", "the\\s+recruiter", "management"]
VERB = ["keep", "keeps", "hold", "holds", "collect", "collects", "take", "takes", "arrange",
        "arranges", "provide", "provides", "pay", "pays", "cover", "covers", "deduct",
        "deducts", "handle", "handles", "process", "processes", "organise", "organize",
        "book", "books", "sort", "sorts", "manage", "manages", "sponsor", "sponsors"]
OBJ = ["passports?", "documents", "papers", "ids?", "visas?", "tickets?", "flights?",
       "contracts?", "wages?", "salary", "salaries", "deposits?", "bonds?", "fees?",
       "phones?", "bank\\s+cards?", "work\\s+permits?", "residence\\s+cards?",
       "accommodation", "housing", "meals", "transport", "uniforms?", "medical\\s+checks?"]
JOB = ["waiters?", "waitress(?:es)?", "cleaners?", "drivers?", "cooks?", "chefs?",
       "nannies", "nanny", "maids?", "housekeepers?", "caregivers?", "nurses?",
       "farm\\s+workers?", "fruit\\s+pickers?", "packers?", "welders?", "builders?",
       "labou?rers?", "factory\\s+workers?", "hostess(?:es)?", "dancers?", "models?",
       "receptionists?", "massage\\s+therapists?", "fishermen", "deckhands?",
       "security\\s+guards?", "warehouse\\s+staff", "kitchen\\s+hands?", "bar\\s+staff"]
PLACE = ["dubai", "qatar", "doha", "kuwait", "saudi(?:\\s+arabia)?", "malaysia",
         "singapore", "japan", "korea", "taiwan", "poland", "germany", "cyprus",
         "turkey", "thailand", "cambodia", "myanmar", "macau", "hong\\s+kong",
         "canada", "australia", "new\\s+zealand", "abroad", "overseas", "europe",
         "the\\s+uk", "italy", "spain", "greece", "russia"]
MONEY = ["[$\\x{20ac}\\x{a3}]\\s*\\d{3,5}", "\\d{3,5}\\s*(?:usd|eur|gbp|aud|nzd|myr|sgd)",
         "\\d+\\s*k\\b", "(?:usd|eur|us\\$)\\s*\\d{2,5}"]
PERIOD = ["(?:a|per|each|every)\\s+(?:day|week|month|shift|night|hour)",
          "(?:daily|weekly|monthly|nightly)", "/\\s*(?:day|week|month|hr|hour)"]
APP = ["whats\\s?app", "telegram", "viber", "wechat", "line", "signal", "kakao(?:talk)?",
       "imo", "zalo", "snapchat", "messenger", "dm", "inbox", "pm"]
ADJ = ["urgent(?:ly)?", "immediate(?:ly)?", "asap", "quick", "fast", "easy", "simple",
       "light", "no\\s+experience", "young", "attractive", "pretty", "single",
       "female", "good[\\s\\-]looking", "slim", "friendly", "discreet", "flexible", "vip"]
BENEFIT = ["free\\s+(?:accommodation|housing|food|meals|flights?|tickets?|visa)",
           "(?:accommodation|housing|food|meals|flights?|visa)\\s+(?:provided|included|paid)",
           "high\\s+(?:salary|pay|income|wages|commission|tips)",
           "(?:big|huge|great|good)\\s+(?:money|tips|bonus(?:es)?|income)",
           "tax[\\s\\-]free", "cash\\s+(?:daily|weekly|in\\s+hand)", "paid\\s+daily"]
RESTRICT = ["(?:cannot|can't|can\\x{2019}t|not\\s+allowed\\s+to|must\\s+not|never)\\s+(?:go\\s+out|leave|change\\s+(?:jobs?|employers?)|contact|visit|quit)",
            "(?:stay|live|sleep)\\s+(?:in|at|on)\\s+(?:the\\s+)?(?:premises|site|house|club|boat|compound|dorm(?:itory)?)",
            "(?:phone|phones|mobile)\\s+(?:\\w+\\s+){0,2}(?:kept|collected|taken|locked)",
            "(?:day|days)\\s+off\\s+(?:\\w+\\s+)?(?:not|never|only\\s+after)"]
ES = ["sin\\s+experiencia", "pago\\s+(?:diario|semanal|en\\s+efectivo)", "se\\s+busca",
      "trabajo\\s+en\\s+el\\s+extranjero", "alojamiento\\s+(?:gratis|incluido)",
      "se\\s+requiere\\s+pasaporte", "chicas?\\s+j[oó]venes", "viaje\\s+pagado",
      "contrato\\s+(?:de\\s+)?trabajo", "sueldo\\s+alto", "agencia\\s+de\\s+empleo"]
VI = ["tuyen\\s+(?:gap|dung)", "xuat\\s+khau\\s+lao\\s+dong", "luong\\s+cao",
      "bao\\s+an\\s+o", "khong\\s+can\\s+kinh\\s+nghiem", "ho\\s+chieu", "chi\\s+phi\\s+thap",
      "di\\s+(?:nhat|han|dai\\s+loan)", "lien\\s+he\\s+zalo", "viec\\s+nhe"]
NEG = ["no", "never", "not", "don't", "do\\s+not", "won't", "will\\s+not"]
GAP = ["(?:\\W+\\w+){0,3}\\W+", "(?:\\W+\\w+){0,2}\\W+", "\\s+(?:\\S+\\s+){0,3}",
       "\\s+(?:\\w+\\s+){0,2}", "\\W+(?:\\w+\\W+){0,4}"]


def alt(rng, pool, lo=2, hi=6):
    """An alternation of a few pool entries."""
    k = min(len(pool), rng.randint(lo, hi))
    return "(?:" + "|".join(rng.sample(pool, k)) + ")"


def gap(rng):
    return rng.choice(GAP)


def shape(rng):
    """One pattern body (without slashes), in one of several typical shapes."""
    s = rng.randrange(14)
    if s == 0:
        return "\\b" + alt(rng, SUBJ) + "\\s+(?:will\\s+|also\\s+)?" + alt(rng, VERB) + \
            "\\s+(?:your\\s+|the\\s+|all\\s+)?" + alt(rng, OBJ) + "\\b"
    if s == 1:
        return "\\b" + alt(rng, ADJ, 1, 3) + "\\s+(?:hiring|needed|wanted|start)\\s+(?:for\\s+)?" + \
            alt(rng, JOB) + "\\b"
    if s == 2:
        return "\\b" + alt(rng, JOB) + gap(rng) + "(?:in|to|for)\\s+" + alt(rng, PLACE) + "\\b"
    if s == 3:
        return "\\b(?:earn|make|salary|pay|income)" + gap(rng) + "(?:up\\s+to\\s+)?" + \
            alt(rng, MONEY, 1, 2) + "\\s*" + alt(rng, PERIOD, 1, 2)
    if s == 4:
        return "\\b(?:contact|message|text|call|add|reach)\\s+(?:us|me|the\\s+agent)?\\s*(?:on|via|by|through)\\s+" + \
            alt(rng, APP, 2, 5) + "\\b"
    if s == 5:
        return alt(rng, APP, 1, 3) + "\\s*(?::|\\+|number|no\\.?)?\\s*\\+?\\d[\\d\\s\\-]{6,14}\\d"
    if s == 6:
        return "\\b" + alt(rng, BENEFIT, 1, 3) + gap(rng) + alt(rng, BENEFIT, 1, 3) + "\\b"
    if s == 7:
        return "\\b" + alt(rng, RESTRICT, 1, 2)
    if s == 8:
        return "\\b" + alt(rng, NEG, 1, 3) + gap(rng) + "(?:charge|ask\\s+for|take|keep)" + \
            gap(rng) + alt(rng, OBJ, 1, 3) + "\\b"
    if s == 9:
        return "\\b" + alt(rng, ES, 1, 3) + "\\b(?:\\W+\\w+){0,3}\\W+" + alt(rng, ES, 1, 2)
    if s == 10:
        return "\\b" + alt(rng, VI, 1, 3) + "(?:\\W+\\w+){0,3}\\W+" + alt(rng, VI, 1, 3)
    if s == 11:
        return "\\b(?:girls?|ladies|women|females?)\\s+(?:aged?\\s+)?(?:1[6-9]|2[0-5])\\s*(?:-|to|\\x{2013})\\s*(?:2[0-9]|3[0-5])\\b"
    if s == 12:
        return "\\b" + alt(rng, OBJ, 1, 3) + "\\s+(?:is\\s+|are\\s+|will\\s+be\\s+)?(?:deducted|taken|withheld|kept|paid\\s+back)\\s+" + \
            "(?:from|out\\s+of)\\s+(?:your\\s+)?(?:first\\s+)?(?:\\d+\\s+)?(?:wages?|salary|pay|months?)\\b"
    return "\\b(?:job|work|position|vacanc(?:y|ies))\\s+(?:in|at)\\s+" + alt(rng, PLACE) + \
        gap(rng) + alt(rng, BENEFIT, 1, 2)


def pattern(rng):
    body = shape(rng)
    # Keep a pattern on one physical line (the format's 199-character limit).
    while len(body) > 175:
        body = shape(rng)
    return "/" + body + "/" + ("s" if rng.random() < 0.05 else "")


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1234)
    lines = ["# Generated by bench/gen_rules.py: synthetic rules for the benchmark only.", ""]
    for i in range(n):
        cat = rng.choice(CATEGORIES)
        lines.append("[rule bench_gen_%04d]" % i)
        lines.append("category = %s" % cat)
        lines.append("weight = %.1f" % rng.choice([0.5, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0]))
        lines.append("description = generated %s indicator number %d" % (cat.replace("_", " "), i))
        lines.append("lang = en")
        for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
            lines.append("pattern = " + pattern(rng))
        lines.append("")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
