# SPDX-License-Identifier: MIT
# Writes a deterministic corpus of job/classified-ad-like documents, separated
# by form feeds, for the matcher benchmark.
"""usage: gen_corpus.py OUT SIZE_MB [SEED [KIND]]

KIND en: job and classified ads in English only. KIND mixed (the default): about a third in
English, the rest in the default pack's other languages (Spanish, Tagalog, Indonesian,
Vietnamese, Russian, Hindi, Thai, Chinese), some ads switching script mid-text. In both, most
ads are ordinary; about one in six carries one or two recruitment red flags; about 3% read like
trafficking lures (several strong indicators, obfuscated contacts). Some carry emoji. Documents
never contain a form feed."""

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


# The mixed corpus: per language, ordinary sentences, red flags and lure sentences (the lists
# above, which gen_listings.py reuses as they are, mix all three), so that flags and lures keep to
# the same shares in every language as in English.
MIXED = {
    "es": [ES[i] for i in (0, 1, 2, 5, 6)] + [
        "Empresa de limpieza busca personal para oficinas en {city}, jornada parcial.",
        "Se requiere carnet de conducir y vehículo propio, valorable experiencia en reparto.",
        "Buscamos dependiente/a para tienda de ropa, turno de tarde, contrato de seis meses.",
        "Salario bruto anual de {sal} euros, catorce pagas y seguro médico.",
        "Interesados llamar de lunes a viernes de 9 a 14 horas o enviar CV por correo.",
    ],
    "tl": [TL[2]] + [
        "Naghahanap kami ng cashier para sa aming tindahan sa Quezon City, walang bayad ang training.",
        "Kumpletong benepisyo: SSS, PhilHealth at Pag-IBIG, may 13th month pay.",
        "Mag-apply nang personal dala ang resume at dalawang ID mula Lunes hanggang Biyernes.",
        "Kailangan ng driver na may professional license at dalawang taon na karanasan.",
    ],
    "id": [
        "Dibutuhkan segera karyawan toko untuk cabang {city}, pendidikan minimal SMA.",
        "Gaji pokok sesuai UMR ditambah tunjangan makan dan transport, BPJS Kesehatan.",
        "Lamaran dikirim melalui email paling lambat tanggal {date} bulan ini.",
        "Perusahaan kami bergerak di bidang logistik dan sedang membuka lowongan admin gudang.",
        "Pengalaman minimal {n} tahun di posisi yang sama, mampu bekerja dalam tim.",
        "Jam kerja Senin sampai Jumat pukul 08.00 sampai 17.00, Sabtu setengah hari.",
    ],
    "vi": [VI[1], VI[3]] + [
        "Cửa hàng cần tuyển thu ngân ca chiều, ưu tiên sinh viên gần {city}.",
        "Hồ sơ gồm đơn xin việc, sơ yếu lý lịch và bản sao chứng minh nhân dân.",
        "Lương cơ bản {n} triệu đồng, thưởng lễ tết, đóng bảo hiểm xã hội đầy đủ.",
        "Phỏng vấn trực tiếp tại văn phòng công ty từ thứ Hai đến thứ Sáu.",
    ],
    "ru": [RU[0]] + [
        "В кафе требуется повар горячего цеха, график два через два, официальное оформление.",
        "Заработная плата выплачивается два раза в месяц на банковскую карту.",
        "Резюме присылайте на электронную почту отдела кадров до {date} числа.",
        "Компания предоставляет спецодежду и оплачиваемый отпуск 28 дней.",
    ],
    "hi": [
        "दिल्ली में होटल के लिए रिसेप्शनिस्ट की आवश्यकता है, अनुभव वाले उम्मीदवार आवेदन करें।",
        "वेतन {n}0000 रुपये प्रति माह, साथ में पीएफ और ईएसआई की सुविधा।",
        "इच्छुक उम्मीदवार अपना बायोडाटा कंपनी के ईमेल पर भेजें।",
        "कार्य समय सुबह नौ बजे से शाम छह बजे तक, रविवार की छुट्टी।",
        "Walk-in interview for data entry operators in Noida, freshers can apply.",
    ],
    "th": [
        "รับสมัครพนักงานขายประจำร้านในกรุงเทพฯ เงินเดือนตามตกลง มีประกันสังคม",
        "ต้องการพนักงานทำความสะอาด ทำงานวันจันทร์ถึงวันศุกร์ มีวันหยุดประจำปี",
        "ผู้สนใจสามารถส่งประวัติส่วนตัวทางอีเมลหรือสมัครด้วยตนเองที่บริษัท",
        "มีค่าคอมมิชชั่นและโบนัสประจำปี วุฒิการศึกษาขั้นต่ำ ม.6",
    ],
    "zh": [ZH[3]] + [
        "本店招聘收银员一名，要求认真负责，有相关经验者优先。",
        "公司为员工缴纳五险一金，每年带薪年假十天。",
        "有意者请将简历发送至人事部邮箱，合适者将通知面试。",
        "工作时间为周一至周五上午九点至下午六点。",
    ],
}
MIXED_FLAGS = {
    "es": [ES[3], "Sin experiencia, incorporación inmediata, pago en efectivo cada semana."],
    "tl": [TL[0], TL[1], "Walang experience, pwede agad, PM lang sa Messenger."],
    "id": ["Tanpa pengalaman, langsung kerja, hubungi WhatsApp {phone}.",
           "Mess dan makan disediakan, berangkat cepat ke {abroad}."],
    "vi": [VI[0], VI[2]],
    "ru": [RU[2], "Жильё и питание бесплатно, выезд в {abroad} через неделю."],
    "hi": ["बिना अनुभव के विदेश में नौकरी, तुरंत संपर्क करें व्हाट्सएप {phone}।",
           "Dubai mein naukri, rehna khana free, jaldi apply karein."],
    "th": ["ไม่ต้องมีประสบการณ์ รายได้ดี ติดต่อไลน์ {handle}",
           "มีที่พักฟรี เดินทางไป{abroad}ภายในสองสัปดาห์"],
    "zh": [ZH[0], "无需经验，工资日结，加微信{handle}详聊。"],
}
MIXED_LURES = {
    "es": [ES[4], "Viaje pagado a {abroad}, la deuda del billete se descuenta de tu sueldo.",
           "La agencia guarda tu pasaporte hasta que termines el contrato.",
           "Chicas jóvenes sin experiencia, trabajo de alterne, pago diario en efectivo."],
    "tl": ["Kukunin ng agency ang passport mo pagdating sa {abroad}, huwag mag-alala.",
           "Walang day off sa unang tatlong buwan, bawas sa sahod ang pamasahe.",
           TL[3]],
    "id": ["Paspor akan disimpan oleh agen selama masa kontrak di {abroad}.",
           "Biaya keberangkatan dipotong dari gaji selama {n} bulan pertama.",
           "Dicari wanita muda 18-25 tahun untuk kerja di karaoke luar negeri, gaji besar."],
    "vi": ["Công ty sẽ giữ hộ chiếu của bạn cho đến khi hết hợp đồng ở {abroad}.",
           "Chi phí vé máy bay trừ dần vào lương {n} tháng đầu, không cần đặt cọc.",
           VI[4]],
    "ru": ["Паспорт на время работы хранится у работодателя в {abroad}.",
           "Дорогу оплачиваем, долг вычитается из зарплаты первых {n} месяцев.",
           RU[1]],
    "hi": ["विदेश में नौकरी, पासपोर्ट एजेंट के पास जमा रहेगा, वीज़ा फीस पहले जमा करें।",
           "लड़कियाँ चाहिए दुबई में डांस बार के लिए, रहना खाना फ्री, तुरंत संपर्क करें।",
           "Visa processing fee {fee} rupees advance, passport agent ke paas rahega."],
    "th": ["นายจ้างจะเก็บหนังสือเดินทางไว้จนกว่าจะครบสัญญา",
           "รับสมัครสาวอายุ 18-25 ทำงานต่างประเทศ รายได้ดี ไม่ต้องมีประสบการณ์",
           "ค่าเดินทางและค่าวีซ่าหักจากเงินเดือน {n} เดือนแรก"],
    "zh": [ZH[1], ZH[2],
           "机票和签证费用从前{n}个月工资中扣除，先上岗后付款。",
           "招聘年轻女孩出国工作，月入过万，包吃包住，私聊微信。"],
}
# Shares of the mixed corpus's ads by language (the rest is English).
MIXED_SHARES = (("es", 0.10), ("tl", 0.08), ("id", 0.08), ("vi", 0.09), ("ru", 0.08),
                ("hi", 0.08), ("th", 0.07), ("zh", 0.09))


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


def english_body(rng, p, r):
    """Sentences of one English ad: ordinary, with red flags (r < 0.18) or a lure (r < 0.03)."""
    body = rng.choices(p["inn"], k=rng.randint(4, 14))
    if r < 0.03:
        body[1:1] = rng.choices(p["lur"], k=rng.randint(2, 5))
        body.extend(rng.choices(p["flg"], k=rng.randint(1, 3)))
    elif r < 0.18:
        body.insert(rng.randrange(len(body) + 1), rng.choice(p["flg"]))
        if r < 0.08:
            body.append(rng.choice(p["flg"]))
    return body


def other_body(rng, p, lang, r):
    """Sentences of one ad in another language; some switch to English part-way."""
    body = rng.choices(p["other"][lang], k=rng.randint(3, 9))
    if r < 0.03:
        body[1:1] = rng.choices(p["olur"][lang], k=rng.randint(2, 3))
        body.append(rng.choice(p["oflg"][lang]))
    elif r < 0.18:
        body.insert(rng.randrange(len(body) + 1), rng.choice(p["oflg"][lang]))
    if rng.random() < 0.25:
        body += rng.choices(p["inn"], k=rng.randint(1, 3))
    return body


def pick_lang(rng):
    x = rng.random()
    for lang, share in MIXED_SHARES:
        if x < share:
            return lang
        x -= share
    return "en"


def one_doc(rng, p, kind):
    r = rng.random()
    lang = pick_lang(rng) if kind == "mixed" else "en"
    body = english_body(rng, p, r) if lang == "en" else other_body(rng, p, lang, r)
    if rng.random() < 0.10:
        body.insert(rng.randrange(len(body) + 1), " ".join(rng.choices(EMOJI, k=rng.randint(1, 3))))
    paras = []
    while body:
        k = rng.randint(2, 5)
        paras.append(" ".join(body[:k]))
        body = body[k:]
    return rng.choice(p["titles"]) + "\n\n" + "\n".join(paras) + "\n\f"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, size_mb = sys.argv[1], float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    kind = sys.argv[4] if len(sys.argv) > 4 else "mixed"
    if kind not in ("en", "mixed"):
        sys.exit("gen_corpus.py: kind must be 'en' or 'mixed', not '%s'" % kind)
    target = int(size_mb * 1024 * 1024)
    p = {"inn": pool(rng, INNOCUOUS, 40000), "flg": pool(rng, FLAGS, 4000),
         "lur": pool(rng, LURES, 4000),
         "other": {k: pool(rng, t, 2000) for k, t in MIXED.items()},
         "olur": {k: pool(rng, t, 500) for k, t in MIXED_LURES.items()},
         "oflg": {k: pool(rng, t, 500) for k, t in MIXED_FLAGS.items()},
         "titles": ["%s wanted - %s" % (rng.choice(JOBS).title(), rng.choice(CITIES))
                    for _ in range(5000)]}
    written = 0
    ndocs = 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        chunk = []
        while written < target:
            doc = one_doc(rng, p, kind)
            chunk.append(doc)
            written += len(doc.encode("utf-8"))
            ndocs += 1
            if len(chunk) >= 2000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    print("corpus (%s): %d documents, %d bytes" % (kind, ndocs, written))


if __name__ == "__main__":
    main()
