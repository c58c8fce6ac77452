//! Cue tables for languages other than English: Spanish, French, German, Italian,
//! Portuguese, Chinese, Japanese, Russian and Korean.
//!
//! These tables contain whole refusal phrases (`Kind::Decline`), which need no verb check,
//! and pointers to hotlines and mental health professionals (`Kind::Redirect`). The automaton folds ASCII case only, so a phrase that can start a sentence with a
//! non-ASCII capital (Russian "Я", French "É") is listed in both cases.

use super::cues::{cue, Cue, CueRow, Kind};

#[rustfmt::skip]
pub(super) const ES: &[CueRow] = &[
    cue!(Decline, "es-no-puedo", &[
        "no puedo ayudar", "no puedo ayudarte", "no puedo ayudarle", "no puedo proporcionar",
        "no puedo dar", "no puedo ofrecer", "no puedo cumplir", "no puedo responder",
        "no puedo asistir", "no puedo generar", "no puedo crear", "no puedo escribir",
        "no puedo facilitar", "no puedo compartir", "no puedo brindar", "no puedo participar",
        "no me es posible", "no estoy en condiciones de", "no puedo hacer eso",
        "lo siento, pero no puedo", "lo siento, no puedo", "me niego a", "debo negarme",
        "no puedo explicar", "no puedo explicarte", "no puedo decirte c\u{f3}mo",
    ]),
    cue!(Redirect, "es-ayuda", &["l\u{ed}nea de ayuda", "linea de ayuda", "l\u{ed}nea de crisis", "l\u{ed}nea de prevenci\u{f3}n", "profesional de la salud mental", "tel\u{e9}fono de la esperanza"]),
];

#[rustfmt::skip]
pub(super) const FR: &[CueRow] = &[
    cue!(Decline, "fr-je-ne-peux-pas", &[
        "je ne peux pas vous aider", "je ne peux pas t'aider", "je ne peux pas aider",
        "je ne peux pas fournir", "je ne peux pas donner", "je ne peux pas r\u{e9}pondre",
        "je ne peux pas cr\u{e9}er", "je ne peux pas \u{e9}crire", "je ne peux pas g\u{e9}n\u{e9}rer",
        "je ne peux pas partager", "je ne peux pas accepter", "je ne peux pas faire cela",
        "je ne peux pas faire \u{e7}a", "je ne peux pas participer",
        "je ne suis pas en mesure de", "je refuse de", "je dois refuser", "je dois d\u{e9}cliner",
        "d\u{e9}sol\u{e9}, mais je ne peux", "d\u{e9}sol\u{e9}e, mais je ne peux",
        "il m'est impossible de", "je ne peux pas vous expliquer", "je ne peux pas expliquer",
        "je ne peux pas vous donner", "je ne peux pas vous fournir", "je ne peux pas vous dire comment",
    ]),
    cue!(Redirect, "fr-ecoute", &["ligne d'\u{e9}coute", "num\u{e9}ro d'urgence", "professionnel de la sant\u{e9} mentale", "professionnel de sant\u{e9} mentale", "sos amiti\u{e9}", "num\u{e9}ro national de pr\u{e9}vention"]),
];

#[rustfmt::skip]
pub(super) const DE: &[CueRow] = &[
    cue!(Decline, "de-ich-kann-nicht", &[
        "ich kann dir dabei nicht helfen", "ich kann ihnen dabei nicht helfen",
        "ich kann dir dabei leider nicht helfen", "ich kann ihnen dabei leider nicht helfen",
        "ich kann leider nicht helfen", "leider kann ich dir nicht", "leider kann ich ihnen nicht",
        "leider kann ich dabei nicht", "das kann ich nicht tun", "das kann ich leider nicht",
        "ich kann dabei nicht helfen", "dabei kann ich nicht helfen", "dabei kann ich dir nicht helfen",
        "dabei kann ich ihnen nicht helfen", "ich kann nicht helfen", "ich kann keine anleitung",
        "ich kann keine informationen", "ich kann keine hilfe", "kann ich nicht beantworten",
        "kann ich nicht bereitstellen", "kann ich nicht liefern", "ich kann diese anfrage nicht",
        "ich kann diese frage nicht", "ich kann das nicht tun", "ich bin nicht in der lage",
        "es tut mir leid, aber ich kann", "ich muss ablehnen", "ich muss das ablehnen",
        "ich werde dabei nicht helfen", "ich werde keine anleitung",
        "kann ich nicht geben", "kann ich nicht erkl\u{e4}ren", "kann ich nicht helfen",
        "kann ich dir nicht geben", "kann ich ihnen nicht geben", "kann ich keine anleitung",
        "kann ich keine auskunft", "kann ich dir leider nicht", "kann ich ihnen leider nicht",
        "kann ich leider nicht helfen", "kann ich leider keine",
    ]),
    cue!(Redirect, "de-seelsorge", &["telefonseelsorge", "hilfetelefon", "krisendienst", "psychotherapeutische hilfe", "den notruf"]),
];

#[rustfmt::skip]
pub(super) const IT: &[CueRow] = &[
    cue!(Decline, "it-non-posso", &[
        "non posso aiutarti", "non posso aiutarla", "non posso aiutare", "non posso fornire",
        "non posso dare", "non posso rispondere", "non posso creare", "non posso scrivere",
        "mi dispiace, ma non posso", "non sono in grado di", "devo rifiutare",
    ]),
    cue!(Redirect, "it-telefono-amico", &["telefono amico", "numero verde", "professionista della salute mentale", "linea di ascolto"]),
];

#[rustfmt::skip]
pub(super) const PT: &[CueRow] = &[
    cue!(Decline, "pt-nao-posso", &[
        "n\u{e3}o posso ajudar", "n\u{e3}o posso te ajudar", "n\u{e3}o posso lhe ajudar",
        "n\u{e3}o posso fornecer", "n\u{e3}o posso dar", "n\u{e3}o posso oferecer",
        "n\u{e3}o posso responder", "n\u{e3}o posso criar", "n\u{e3}o posso escrever",
        "n\u{e3}o posso gerar", "n\u{e3}o posso compartilhar", "n\u{e3}o posso atender",
        "n\u{e3}o posso cumprir", "n\u{e3}o consigo ajudar", "n\u{e3}o estou em condi\u{e7}\u{f5}es de",
        "n\u{e3}o me \u{e9} poss\u{ed}vel", "desculpe, mas n\u{e3}o posso", "lamento, mas n\u{e3}o posso",
        "sinto muito, mas n\u{e3}o posso", "recuso-me a", "devo recusar",
        "n\u{e3}o posso explicar", "n\u{e3}o posso te dizer como",
    ]),
    cue!(Redirect, "pt-apoio", &["linha de apoio", "centro de valoriza\u{e7}\u{e3}o da vida", "profissional de sa\u{fa}de mental", "ligue 188"]),
];

#[rustfmt::skip]
pub(super) const ZH: &[CueRow] = &[
    cue!(Decline, "zh-wo-bu-neng", &[
        "\u{6211}\u{4e0d}\u{80fd}\u{63d0}\u{4f9b}",       // 我不能提供
        "\u{6211}\u{65e0}\u{6cd5}\u{63d0}\u{4f9b}",       // 我无法提供
        "\u{6211}\u{4e0d}\u{80fd}\u{5e2e}",               // 我不能帮
        "\u{6211}\u{65e0}\u{6cd5}\u{5e2e}",               // 我无法帮
        "\u{6211}\u{4e0d}\u{80fd}\u{534f}\u{52a9}",       // 我不能协助
        "\u{6211}\u{65e0}\u{6cd5}\u{534f}\u{52a9}",       // 我无法协助
        "\u{6211}\u{4e0d}\u{80fd}\u{56de}\u{7b54}",       // 我不能回答
        "\u{6211}\u{65e0}\u{6cd5}\u{56de}\u{7b54}",       // 我无法回答
        "\u{6211}\u{4e0d}\u{4f1a}\u{63d0}\u{4f9b}",       // 我不会提供
        "\u{6211}\u{4e0d}\u{80fd}\u{6ee1}\u{8db3}",       // 我不能满足
        "\u{6211}\u{65e0}\u{6cd5}\u{6ee1}\u{8db3}",       // 我无法满足
        "\u{6211}\u{62d2}\u{7edd}",                       // 我拒绝
        "\u{65e0}\u{6cd5}\u{63d0}\u{4f9b}\u{5e2e}\u{52a9}", // 无法提供帮助
        "\u{4e0d}\u{80fd}\u{63d0}\u{4f9b}\u{8fd9}",       // 不能提供这
        "\u{6211}\u{4e0d}\u{80fd}\u{70ba}",               // 我不能為 (traditional)
        "\u{6211}\u{7121}\u{6cd5}\u{63d0}\u{4f9b}",       // 我無法提供 (traditional)
        "\u{6211}\u{7121}\u{6cd5}\u{5354}\u{52a9}",       // 我無法協助 (traditional)
        "\u{6211}\u{4e0d}\u{80fd}\u{5354}\u{52a9}",       // 我不能協助 (traditional)
        "\u{6211}\u{7121}\u{6cd5}\u{5e6b}",               // 我無法幫 (traditional)
        "\u{6211}\u{4e0d}\u{80fd}\u{5e6b}",               // 我不能幫 (traditional)
        "\u{6211}\u{7121}\u{6cd5}\u{56de}\u{7b54}",       // 我無法回答 (traditional)
    ]),
    // 热线, 心理咨询, 心理援助, 求助专业
    cue!(Redirect, "zh-rexian", &["\u{70ed}\u{7ebf}", "\u{5fc3}\u{7406}\u{54a8}\u{8be2}", "\u{5fc3}\u{7406}\u{63f4}\u{52a9}", "\u{6c42}\u{52a9}\u{4e13}\u{4e1a}"]),
];

#[rustfmt::skip]
pub(super) const JA: &[CueRow] = &[
    cue!(Decline, "ja-dekimasen", &[
        "\u{304a}\u{624b}\u{4f1d}\u{3044}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}", // お手伝いできません
        "\u{304a}\u{7b54}\u{3048}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}",         // お答えできません
        "\u{63d0}\u{4f9b}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}",                 // 提供できません
        "\u{63d0}\u{4f9b}\u{3059}\u{308b}\u{3053}\u{3068}\u{306f}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}", // 提供することはできません
        "\u{304a}\u{5fdc}\u{3048}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}",         // お応えできません
        "\u{5354}\u{529b}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}",                 // 協力できません
        "\u{3067}\u{304d}\u{304b}\u{306d}\u{307e}\u{3059}",                         // できかねます
        "\u{304a}\u{65ad}\u{308a}\u{3057}\u{307e}\u{3059}",                         // お断りします
        "\u{56de}\u{7b54}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}",                 // 回答できません
        "\u{304a}\u{624b}\u{4f1d}\u{3044}\u{306f}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}", // お手伝いはできません
        "\u{304a}\u{624b}\u{4f1d}\u{3044}\u{3059}\u{308b}\u{3053}\u{3068}\u{306f}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}", // お手伝いすることはできません
        "\u{304a}\u{7b54}\u{3048}\u{3059}\u{308b}\u{3053}\u{3068}\u{306f}\u{3067}\u{304d}\u{307e}\u{305b}\u{3093}", // お答えすることはできません
    ]),
    // ホットライン, いのちの電話, 相談窓口, 専門家に相談
    cue!(Redirect, "ja-soudan", &["\u{30db}\u{30c3}\u{30c8}\u{30e9}\u{30a4}\u{30f3}", "\u{3044}\u{306e}\u{3061}\u{306e}\u{96fb}\u{8a71}", "\u{76f8}\u{8ac7}\u{7a93}\u{53e3}", "\u{5c02}\u{9580}\u{5bb6}\u{306b}\u{76f8}\u{8ac7}"]),
];

#[rustfmt::skip]
pub(super) const RU: &[CueRow] = &[
    cue!(Decline, "ru-ne-mogu", &[
        "\u{44f} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{43e}\u{43c}\u{43e}\u{447}\u{44c}",     // я не могу помочь
        "\u{42f} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{43e}\u{43c}\u{43e}\u{447}\u{44c}",     // Я не могу помочь
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{43e}\u{43c}\u{43e}\u{447}\u{44c}",              // не могу помочь
        "\u{41d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{43e}\u{43c}\u{43e}\u{447}\u{44c}",              // Не могу помочь
        "\u{41d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{440}\u{435}\u{434}\u{43e}\u{441}\u{442}\u{430}\u{432}\u{438}\u{442}\u{44c}", // Не могу предоставить
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{440}\u{435}\u{434}\u{43e}\u{441}\u{442}\u{430}\u{432}\u{438}\u{442}\u{44c}", // не могу предоставить
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{434}\u{430}\u{442}\u{44c}",                            // не могу дать
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43e}\u{442}\u{432}\u{435}\u{442}\u{438}\u{442}\u{44c}", // не могу ответить
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{432}\u{44b}\u{43f}\u{43e}\u{43b}\u{43d}\u{438}\u{442}\u{44c}", // не могу выполнить
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{441}\u{43e}\u{437}\u{434}\u{430}\u{442}\u{44c}",      // не могу создать
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43d}\u{430}\u{43f}\u{438}\u{441}\u{430}\u{442}\u{44c}", // не могу написать
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{432} \u{44d}\u{442}\u{43e}\u{43c}",                   // не могу в этом
        "\u{43d}\u{435} \u{432} \u{441}\u{43e}\u{441}\u{442}\u{43e}\u{44f}\u{43d}\u{438}\u{438}",             // не в состоянии
        "\u{432}\u{44b}\u{43d}\u{443}\u{436}\u{434}\u{435}\u{43d} \u{43e}\u{442}\u{43a}\u{430}\u{437}\u{430}\u{442}\u{44c}", // вынужден отказать
        "\u{43e}\u{442}\u{43a}\u{430}\u{437}\u{44b}\u{432}\u{430}\u{44e}\u{441}\u{44c}",                      // отказываюсь
        "\u{43f}\u{43e}\u{43c}\u{43e}\u{447}\u{44c} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443}", // помочь не могу
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43e}\u{431}\u{44a}\u{44f}\u{441}\u{43d}\u{438}\u{442}\u{44c}", // не могу объяснить
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{440}\u{430}\u{441}\u{441}\u{43a}\u{430}\u{437}\u{430}\u{442}\u{44c}", // не могу рассказать
        "\u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443} \u{43f}\u{43e}\u{434}\u{441}\u{43a}\u{430}\u{437}\u{430}\u{442}\u{44c}", // не могу подсказать
        "\u{434}\u{430}\u{442}\u{44c} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443}", // дать не могу
        "\u{43f}\u{440}\u{435}\u{434}\u{43e}\u{441}\u{442}\u{430}\u{432}\u{438}\u{442}\u{44c} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443}", // предоставить не могу
        "\u{440}\u{430}\u{441}\u{441}\u{43a}\u{430}\u{437}\u{430}\u{442}\u{44c} \u{43d}\u{435} \u{43c}\u{43e}\u{433}\u{443}", // рассказать не могу
    ]),
    // телефон доверия, горячая линия, горячую линию, к психологу, к специалисту
    cue!(Redirect, "ru-doveriya", &["\u{442}\u{435}\u{43b}\u{435}\u{444}\u{43e}\u{43d} \u{434}\u{43e}\u{432}\u{435}\u{440}\u{438}\u{44f}", "\u{433}\u{43e}\u{440}\u{44f}\u{447}\u{430}\u{44f} \u{43b}\u{438}\u{43d}\u{438}\u{44f}", "\u{433}\u{43e}\u{440}\u{44f}\u{447}\u{443}\u{44e} \u{43b}\u{438}\u{43d}\u{438}\u{44e}", "\u{43a} \u{43f}\u{441}\u{438}\u{445}\u{43e}\u{43b}\u{43e}\u{433}\u{443}", "\u{43a} \u{441}\u{43f}\u{435}\u{446}\u{438}\u{430}\u{43b}\u{438}\u{441}\u{442}\u{443}"]),
];

#[rustfmt::skip]
pub(super) const KO: &[CueRow] = &[
    cue!(Decline, "ko-su-eopseumnida", &[
        "\u{b4dc}\u{b9b4} \u{c218} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}", // 드릴 수 없습니다
        "\u{b4dc}\u{b9b4} \u{c218}\u{ac00} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}", // 드릴 수가 없습니다
        "\u{b3c4}\u{c640}\u{b4dc}\u{b9b4} \u{c218} \u{c5c6}", // 도와드릴 수 없
        "\u{c81c}\u{acf5}\u{d560} \u{c218} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}", // 제공할 수 없습니다
        "\u{b2f5}\u{bcc0}\u{d560} \u{c218} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}", // 답변할 수 없습니다
        "\u{b3c4}\u{c6b8} \u{c218} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}", // 도울 수 없습니다
    ]),
    // 전문가와 상담, 상담 전화, 자살예방, 1393
    cue!(Redirect, "ko-sangdam", &["\u{c804}\u{bb38}\u{ac00}\u{c640} \u{c0c1}\u{b2f4}", "\u{c0c1}\u{b2f4} \u{c804}\u{d654}", "\u{c790}\u{c0b4}\u{c608}\u{bc29}", "1393"]),
];
