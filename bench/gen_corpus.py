# SPDX-License-Identifier: MIT
# Writes a deterministic corpus of job/classified-ad-like documents, separated
# by form feeds, for the matcher benchmark.
"""usage: gen_corpus.py OUT SIZE_MB [SEED]

Mostly ordinary ads; some carry one or two recruitment red flags; a few per
cent read like trafficking lures (several strong indicators, obfuscated
contacts). About 15% are in Spanish, Vietnamese, Tagalog, Russian or
Chinese, and some carry emoji. Documents never contain a form feed."""

import random
import sys

JOBS = ["waiter", "waitress", "cleaner", "delivery driver", "cook", "line chef", "nanny",
        "housekeeper", "caregiver", "registered nurse", "farm worker", "fruit picker",
        "warehouse packer", "welder", "carpenter", "general labourer", "forklift operator",
        "receptionist", "barista", "sales assistant", "accountant", "software developer",
        "data entry clerk", "hairdresser", "beauty therapist", "security guard",
        "kitchen hand", "bartender", "dishwasher", "store manager", "plumber",
        "electrician", "truck driver", "teacher aide", "customer service agent"]
CITIES = ["Auckland", "Wellington", "Christchurch", "Sydney", "Melbourne", "Brisbane",
          "London", "Manchester", "Leeds", "Dublin", "Toronto", "Vancouver", "Chicago",
          "Houston", "Manila", "Cebu", "Davao", "Ho Chi Minh City", "Hanoi", "Da Nang",
          "Madrid", "Valencia", "Sevilla", "Bogotá", "Medellín", "Lima", "Dubai", "Doha",
          "Kuala Lumpur", "Singapore", "Bangkok", "Warsaw", "Limassol", "Berlin"]
COMPANIES = ["Greenfield Farms", "Harbour View Hotel", "BrightClean Services", "Southern Cross Logistics",
             "Kiwi Fresh Produce", "Oak & Ivy Bistro", "Metro Staffing", "Sunrise Care Homes",
             "Pacific Builders Ltd", "Blue Lagoon Resort", "Northside Medical Centre",
             "Riverbend Winery", "Atlas Freight", "Cafe Lumière", "Hotel Miramar", "Tech Nova"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EMOJI = ["😊", "👍", "🔥", "💰", "✈️", "📞", "📱", "⭐", "✅", "🙏", "💼", "🏨", "🌴", "❤️"]

INNOCUOUS = [
    "We are looking for an experienced {job} to join our friendly team in {city}.",
    "{company} is hiring a full-time {job} starting {day}.",
    "The successful applicant will have at least {n} years of experience in a similar role.",
    "Duties include customer service, stock rotation and keeping the work area clean and tidy.",
    "You must hold a valid work visa or residency and be able to pass a police check.",
    "The role pays ${wage} per hour plus holiday pay, KiwiSaver and paid sick leave.",
    "Hours are {n} to {m} per week, Monday to Friday, with occasional weekend shifts.",
    "Please apply online with your CV and a short cover letter by {day} {date}.",
    "Training will be provided on the job and there are good prospects for promotion.",
    "We offer a supportive workplace, staff discounts and free parking on site.",
    "A full driver licence and your own reliable transport are essential.",
    "Previous experience with point-of-sale systems is an advantage but not required.",
    "The position is permanent after a three month trial period as set out in the contract.",
    "Applicants must be available for an interview at our office in {city}.",
    "We are an equal opportunity employer and welcome applications from all backgrounds.",
    "Our clinic has served the {city} community for over {n}0 years.",
    "Salary is negotiable depending on experience, from ${sal} per year.",
    "Successful candidates will complete a health and safety induction on their first day.",
    "This is a seasonal role from November to April with a possibility of extension.",
    "Shortlisted applicants will be contacted by email within {n} working days.",
    "Good spoken English and a positive attitude are required for this customer-facing role.",
    "Uniform and protective equipment are supplied by the company at no cost.",
    "Workers are paid fortnightly into a New Zealand bank account with a full payslip.",
    "For more information about the role, visit our careers page or call the office.",
    "You will report to the {job} supervisor and work as part of a team of {n}.",
    "Accommodation can be found locally; we are happy to share a list of rentals.",
    "We never charge workers any fees and you keep your own passport at all times.",
    "The shop is a short walk from the train station and buses stop outside.",
    "Flexible rostering is available for parents and students.",
    "Candidates should be physically fit and comfortable lifting up to 20 kg.",
]
FLAGS = [
    "No experience needed, start immediately!",
    "Accommodation provided, just bring your clothes.",
    "Contact us on WhatsApp +{phone} for details.",
    "Message me on telegram @{handle} for more info.",
    "Cash paid daily, no paperwork.",
    "Earn up to ${big} per month, easy work.",
    "Visa and flights arranged by our agency.",
    "Only candidates aged 18 to 25 please.",
    "A small processing fee of ${fee} is required to hold your place.",
    "Send photo and age by inbox.",
    "Travel to {abroad} guaranteed within two weeks.",
    "Friendly girls wanted for a hostess job, high tips.",
]
LURES = [
    "Young girls 18-24 needed for hostess and VIP work in {abroad}, ${big} a month guaranteed.",
    "The agency will keep your passport for safekeeping until the contract ends.",
    "Your flight and visa cost is deducted from your first {n} months of wages.",
    "Placement fee ${fee} payable before departure, pay the rest from your salary.",
    "You cannot leave the compound without permission from the boss.",
    "Phones are collected at the start of each shift and returned on day off.",
    "Live in, no days off for the first three months, food provided.",
    "Do not tell your family the details of the job, keep it private.",
    "Contact wh@tsapp +{phone} or t e l e g r a m {handle} only, no calls.",
    "Pas5port must be handed to the manager on arrival.",
    "Salary held by the employer until the end of the season as a bond.",
    "Tourist visa first, the working visa will be fixed later by our contact.",
    "We pay for everything, you work it off once you arrive.",
    "Girls with no family ties preferred, discreet work, travel alone.",
    "Deposit of ${fee} refundable after 12 months of service.",
]
ES = [
    "Se busca camarero/a con experiencia para restaurante en {city}.",
    "Ofrecemos contrato indefinido, salario según convenio y buen ambiente de trabajo.",
    "Imprescindible documentación en regla y disponibilidad inmediata.",
    "Trabajo en el extranjero, sin experiencia, alojamiento gratis y viaje pagado.",
    "Chicas jóvenes para trabajar en club, pago diario en efectivo, se requiere pasaporte.",
    "Envía tu currículum a recursos humanos antes del día {n} de diciembre.",
    "Horario de mañana, lunes a viernes, incorporación inmediata en Málaga.",
]
VI = [
    "Tuyển gấp {n} lao động phổ thông đi Nhật, lương cao, bao ăn ở.",
    "Công ty cần tuyển nhân viên bán hàng tại Hà Nội, có kinh nghiệm là lợi thế.",
    "Không cần kinh nghiệm, chi phí thấp, bay nhanh, liên hệ Zalo {phone}.",
    "Làm việc tại nhà hàng ở Đà Nẵng, lương thỏa thuận, nghỉ chủ nhật.",
    "Tuyển nữ 18-25 tuổi làm tiếp viên nhà hàng ở Campuchia, lương 1500 đô.",
]
TL = [
    "Hiring po kami ng waitress, stay-in, libre pagkain at tirahan.",
    "Walang placement fee, direct hiring sa Dubai, PM lang po.",
    "Kailangan ng kasambahay, may day off tuwing Linggo, sahod {n}000 kada buwan.",
    "Tourist visa muna, aayusin ang working visa pagdating doon.",
]
RU = [
    "Требуются работники на склад в Варшаве, зарплата от {n}000 злотых.",
    "Работа за границей для девушек, высокий доход, жильё предоставляется.",
    "Опыт работы не требуется, оформление по договору, звоните.",
]
ZH = [
    "高薪招聘服务员，包吃包住，月薪{n}000元。",
    "诚聘女公关，年龄18-25岁，工作轻松，日结工资。",
    "公司提供住宿，护照由公司统一保管，微信联系。",
    "招聘厨师两名，有经验者优先，待遇面议。",
]


def filler(rng):
    return {
        "job": rng.choice(JOBS), "city": rng.choice(CITIES), "company": rng.choice(COMPANIES),
        "day": rng.choice(DAYS), "n": rng.randint(2, 9), "m": rng.randint(20, 45),
        "wage": rng.randint(22, 45), "sal": rng.randint(45, 120) * 1000,
        "date": rng.randint(1, 28), "phone": "%d %d %d" % (rng.randint(60, 99),
                                                          rng.randint(100, 999), rng.randint(1000, 9999)),
        "handle": rng.choice(["jobs", "easywork", "vipagent", "hr_desk", "quickvisa"]) + str(rng.randint(1, 99)),
        "big": rng.randint(3, 12) * 500, "fee": rng.randint(2, 30) * 100,
        "abroad": rng.choice(["Dubai", "Malaysia", "Cambodia", "Japan", "Macau", "Cyprus", "Poland"]),
    }


def pool(rng, templates, n):
    """Pre-filled sentences: filling slots per use would make generation slow."""
    return [rng.choice(templates).format(**filler(rng)) for _ in range(n)]


def main():
    out, size_mb = sys.argv[1], float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    target = int(size_mb * 1024 * 1024)
    inn, flg, lur = pool(rng, INNOCUOUS, 40000), pool(rng, FLAGS, 4000), pool(rng, LURES, 4000)
    other = {"es": pool(rng, ES, 2000), "vi": pool(rng, VI, 2000), "tl": pool(rng, TL, 1000),
             "ru": pool(rng, RU, 1000), "zh": pool(rng, ZH, 1000)}
    titles = ["%s wanted - %s" % (rng.choice(JOBS).title(), rng.choice(CITIES)) for _ in range(5000)]
    written = 0
    ndocs = 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        chunk = []
        while written < target:
            r = rng.random()
            body = rng.choices(inn, k=rng.randint(4, 14))
            if r < 0.03:                                  # trafficking-like
                body[1:1] = rng.choices(lur, k=rng.randint(2, 5))
                body.extend(rng.choices(flg, k=rng.randint(1, 3)))
            elif r < 0.18:                                # one or two red flags
                body.insert(rng.randrange(len(body) + 1), rng.choice(flg))
                if r < 0.08:
                    body.append(rng.choice(flg))
            lang = rng.random()
            if lang < 0.15:
                key = "es" if lang < 0.06 else "vi" if lang < 0.10 else "tl" if lang < 0.12 \
                    else "ru" if lang < 0.135 else "zh"
                body = rng.choices(other[key], k=rng.randint(3, 8)) + body[:rng.randint(0, 3)]
            if rng.random() < 0.10:
                body.insert(rng.randrange(len(body) + 1), " ".join(rng.choices(EMOJI, k=rng.randint(1, 3))))
            paras = []
            while body:
                k = rng.randint(2, 5)
                paras.append(" ".join(body[:k]))
                body = body[k:]
            doc = rng.choice(titles) + "\n\n" + "\n".join(paras) + "\n\f"
            chunk.append(doc)
            written += len(doc.encode("utf-8"))
            ndocs += 1
            if len(chunk) >= 2000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    print("corpus: %d documents, %d bytes" % (ndocs, written))


if __name__ == "__main__":
    main()
