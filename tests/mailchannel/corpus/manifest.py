"""Expected outcome of every message in this corpus (one .eml file per key).

The messages are raw RFC 822 bytes (CRLF) in the shapes real clients produce; they are written for a
fixed world that the test sets up (see WORLD below).

Conventions:
- sender is the From address lowercased (empty when there is none); for new_ticket/reply/agent_reply it is
  the requester or author, for ignored/refused/bounce it is just who sent it.
- subject is only asserted when it is not empty; for a new ticket it is the decoded header with a leading
  Re:/AW:/WG:/Fwd: removed and whitespace runs (including an encoded CR/LF) collapsed to one space. A subject
  longer than Ticket.subject (200) is stored cut: compare as a prefix.
- text_contains / text_excludes apply to the text of the event the message became (reply stripping for
  replies; a new ticket from a forward keeps the forwarded content).
- attachments are the decoded names that must be attached (inline_images separately); attachments_left_out
  were left out (size or count limit), the ticket gets a note and the sender a polite answer.
- cc: addresses (lowercased) that must become collaborators; () means none is asserted.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Expect:
    outcome: str            # "new_ticket" | "reply" | "agent_reply" | "ignored" | "refused" | "held" | "bounce" | "failed_safely"
    reason: str = ""        # ignored / refused / held: "auto_reply" | "bulk" | "mailing_list" | "loop" | "unknown_sender" | "no_sender" ...
    sender: str = ""
    subject: str = ""
    text_contains: tuple = ()
    text_excludes: tuple = ()
    attachments: tuple = ()
    attachments_left_out: tuple = ()
    inline_images: tuple = ()
    cc: tuple = ()
    refuse_unknown: bool = False
    note: str = ""


# The world the messages are written for. Subjects and Message-IDs of tickets 17, 43 and 2025-3 were
# chosen here (the messages quote them); the test should create the tickets with these values.
WORLD = {
    "mailbox": ("support@example.test", "Example Support"),
    "agent": ("fiona.first@example.test", "Fiona First"),
    "tickets": {
        "HD-2026-000042": {"subject": 'VPN-Verbindung bricht ständig ab', "requester": "karin.kunde@example.de", "status": "open",
                           "message_id": '<HD-2026-000042.20261201093000.ab12cd@example.test>'},
        "HD-2026-000043": {"subject": 'Invoice download fails with error 500', "requester": "john.smith@example.com", "status": "open",
                           "message_id": '<HD-2026-000043.20261201100000.ef34ab@example.test>'},
        "HD-2026-000017": {"subject": 'Drucker im 2. OG druckt nicht', "requester": "karin.kunde@example.de", "status": "closed",
                           "closed_days_ago": 3, "message_id": '<HD-2026-000017.20261118101500.c0ffee@example.test>'},
        "HD-2025-000003": {"subject": 'Passwort für das Kundenportal zurücksetzen', "requester": "karin.kunde@example.de", "status": "closed",
                           "closed_days_ago": 400, "message_id": '<HD-2025-000003.20251028143000.77aa01@example.test>'},
    },
    "people": {"karin.kunde@example.de": "Karin Kunde", "john.smith@example.com": "John Smith"},
    "reopen_days": 14,
    "max_attachment_bytes": 10 * 1024 * 1024,
    "max_attachments": 5,
}

MESSAGES: dict[str, Expect] = {
    'reply_outlook_de_urspruengliche_nachricht': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('heute früh ist die Verbindung wieder dreimal abgebrochen', 'Fehler 809', 'Können Sie sich das bitte ansehen?'),
        text_excludes=('Ursprüngliche Nachricht', 'Wir haben Ihre Anfrage unter der Nummer', 'Gesendet: Dienstag'),
        note='Outlook/Exchange Online, German, iso-8859-1 quoted-printable, history below -----Ursprüngliche Nachricht-----',
    ),
    'reply_outlook_de_von_gesendet_underscore': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('hat leider nichts gebracht', 'auch per LAN-Kabel'),
        text_excludes=('Gesendet: Dienstag', 'Wir haben Ihre Anfrage unter der Nummer', '________________________________'),
        note='new Outlook/OWA, German, utf-8 base64 text parts, history below an underscore line and a Von:/Gesendet:/An:/Betreff: block',
    ),
    'reply_outlook_en_from_sent': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('The download still fails.', 'HTTP 500 – Internal Server Error'),
        text_excludes=('We have logged your request', 'Sent: Tuesday'),
        note='Outlook desktop, English, utf-8 QP; quote starts at a bare From:/Sent:/To:/Subject: block without any separator line',
    ),
    'reply_owa_en_html_only': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('Our finance team needs the November invoices by Friday',),
        text_excludes=('We have logged your request', 'divRplyFwdMsg', '<div', 'Sent: Tuesday'),
        note='Outlook on the web, HTML only (no text/plain): text derived from HTML, quote below divRplyFwdMsg removed',
    ),
    'reply_gmail_de': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('Es betrifft nur die Notebooks mit Windows 11 24H2', 'älteren Geräte laufen stabil'),
        text_excludes=('Wir haben Ihre Anfrage unter der Nummer', 'schrieb Example Support', 'Bitte antworten Sie auf diese E-Mail'),
        note="Gmail, German: attribution 'Am Di., 1. Dez. 2026 um 09:30 Uhr schrieb …' wrapped over two lines, > quotes, gmail_quote HTML",
    ),
    'reply_gmail_en_with_cc': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('she sees the same error', 'INV-2026-11-0457'),
        text_excludes=('We have logged your request', 'wrote:'),
        cc=('priya.patel@example.com',),
        note="Gmail, English, 7bit: 'On Tue, Dec 1, 2026 at 10:00 AM … wrote:' wrapped; Cc colleague (mixed case) joins the ticket",
    ),
    'reply_apple_mail_de': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('seitdem hält die Verbindung schon über zwei Stunden', 'Router neu gestartet'),
        text_excludes=('Am 01.12.2026 um 09:30 schrieb', 'Wir haben Ihre Anfrage unter der Nummer'),
        note='Apple Mail, German, Apple-Mail=_ boundary, utf-8 quoted-printable; attribution line itself inside the > quote',
    ),
    'reply_apple_mail_en': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('more than 200 line items', 'Smaller invoices download fine.'),
        text_excludes=('wrote:', 'We have logged your request'),
        note="Apple Mail, English, us-ascii 7bit text + QP HTML, '> On 1 Dec 2026, at 10:00, … wrote:' quote",
    ),
    'reply_thunderbird_de_flowed': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('seitdem läuft die Verbindung stabil', 'VPN-Client 5.1'),
        text_excludes=('IT-Koordination', '+49 40 1234567-89', 'Am 01.12.26 um 09:30 schrieb', 'Wir haben Ihre Anfrage unter der Nummer'),
        note="Thunderbird, German, format=flowed (soft break inside the asserted phrase), 8bit, '-- ' signature, 'Am 01.12.26 um 09:30 schrieb Example Support:'",
    ),
    'reply_thunderbird_de_bottom_post': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('im Homeoffice über die FRITZ!Box verbunden bin', 'Im Büro gibt es keine Abbrüche.'),
        text_excludes=('Wir haben Ihre Anfrage unter der Nummer', 'Ihr Example Support'),
        note='Thunderbird, German, bottom-posted: the quote comes FIRST, the new text below it must survive',
    ),
    'reply_thunderbird_en_flowed': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('From the browser console I can see the request to /api/invoices/export times out after exactly 30 seconds',),
        text_excludes=('We have logged your request', 'Example Support wrote:'),
        note="Thunderbird, English, format=flowed with a space-stuffed ' From' line and a soft break; 'On 12/1/26 10:00 AM, Example Support wrote:'",
    ),
    'reply_mutt_en_signature': Expect(
        outcome='reply',
        sender='john.smith@example.com',
        text_contains=('the error started right after your maintenance window',),
        text_excludes=('Head of IT Operations', '+44 20 7946 0958', 'We have logged your request'),
        note="Mutt, English, bottom-posted below the quote, signature after '-- ' must be cut",
    ),
    'reply_iphone_de_top_posted': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('das Problem tritt auch im Hotel-WLAN auf', 'Schicke morgen die Logs.'),
        text_excludes=('Wir haben Ihre Anfrage unter der Nummer', '\ufeff'),
        note="iPhone Mail, German, top-posted, 'Von meinem iPhone gesendet' (not asserted either way), BOM at the start of the quote",
    ),
    'reply_references_only': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('die Logdatei habe ich Ihnen gerade über das Portal hochgeladen',),
        text_excludes=('Wir haben Ihre Anfrage unter der Nummer', 'schrieb Example Support'),
        note='Roundcube; threads ONLY by References (no In-Reply-To, no [HD-…] tag in the subject)',
    ),
    'reply_subject_reference_without_brackets': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('Frau Öztürk, hat seit heute dasselbe Problem',),
        note="subject 'AW: HD-2026-000042 …' (reference without brackets), no In-Reply-To/References: threads by the bare number",
    ),
    'reply_subject_tag_only': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('Der Fehler tritt auch am Wochenende auf',),
        note='fresh mail (no In-Reply-To/References) whose subject carries [HD-2026-000042] in the middle',
    ),
    'reply_sender_address_mixed_case': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('ich bin morgen ab 8 Uhr telefonisch erreichbar',),
        text_excludes=('Wir haben Ihre Anfrage unter der Nummer',),
        note="From 'Karin.Kunde@Example.DE' (mixed case, display name 'Kunde, Karin'): still the requester; To in upper case",
    ),
    'reply_closed_ticket_within_window': Expect(
        outcome='reply',
        sender='karin.kunde@example.de',
        text_contains=('das Problem ist zurück',),
        text_excludes=('Druckertreiber wurde auf allen Arbeitsplätzen',),
        note='reply to HD-2026-000017, closed 3 days ago (reopen window 14 days): added to it and the ticket reopens',
    ),
    'reply_closed_ticket_outside_window': Expect(
        outcome='new_ticket',
        sender='karin.kunde@example.de',
        text_contains=('ich komme schon wieder nicht ins Kundenportal', '„Konto gesperrt“'),
        text_excludes=('Ihr Passwort für das Kundenportal wurde zurückgesetzt',),
        note='reply to HD-2025-000003, closed 400 days ago (outside the 14-day window): a NEW ticket linked to the old one; subject not asserted',
    ),
    'reply_stranger_with_ticket_tag': Expect(
        outcome='new_ticket',
        sender='mallory@example.net',
        text_contains=('Bitte senden Sie mir die VPN-Zugangsdaten an diese Adresse.',),
        note="not a participant of HD-2026-000042 (tag, In-Reply-To and a display name borrowed): must NOT be added to Karin's ticket; opens its own ticket; subject not asserted",
    ),
    'agent_reply_fiona_outlook': Expect(
        outcome='agent_reply',
        sender='fiona.first@example.test',
        text_contains=('the PDF renderer ran out of memory for invoices with many line items', 'please try the download again'),
        text_excludes=('We have logged your request', 'Sent: Tuesday'),
        note='agent Fiona First answers HD-2026-000043 from Outlook: an agent reply, not a customer reply',
    ),
    'new_plain_utf8_de': Expect(
        outcome='new_ticket',
        sender='juergen.mueller@example.org',
        subject='Drucker im Büro druckt nur leere Seiten',
        text_contains=('druckt seit gestern nur noch leere Seiten', 'Raum 3.14', 'Jürgen Müller'),
        note='plain UTF-8 8bit German mail from an unknown sender (Evolution); encoded-word display name',
    ),
    'new_html_only_with_script': Expect(
        outcome='new_ticket',
        sender='bjoern.schroeder@example.net',
        subject='Anwendung stürzt beim Öffnen von Berichten ab',
        text_contains=('seit dem Update auf Version 4.2 stürzt die Anwendung beim Öffnen von Berichten ab', 'Zugriffsverletzung bei Adresse 0x0045F3A1', 'Björn Schröder'),
        text_excludes=('alert(', 'document.cookie', 'stealCredentials', '<script', '<p>', 'color: red', '&uuml;'),
        note='HTML-only mail: text derived from HTML with entities decoded; script/style/handlers never reach the text',
    ),
    'new_iso_8859_1_body': Expect(
        outcome='new_ticket',
        sender='guenter.weiss@example.de',
        subject='Postfach voll trotz 50 GB Größe',
        text_contains=('obwohl wir laut Vertrag 50 GB Größe haben', 'Kontingent bitte überprüfen', 'Grüße aus Straubing'),
        note='ISO-8859-1 body, 8bit (raw bytes 0xFC 0xDF …), Claws Mail',
    ),
    'new_iso_8859_15_euro': Expect(
        outcome='new_ticket',
        sender='renate.baecker@example.org',
        subject='Rechnung doppelt abgebucht (€)',
        text_contains=('die Rechnung über 1.250,00 € (Nr. 2026-0815) wurde am 27.11. doppelt abgebucht',),
        text_excludes=('¤',),
        note='ISO-8859-15 body and subject: byte 0xA4 is € (not ¤ as in Latin-1)',
    ),
    'new_windows_1252_quotes_euro_dash': Expect(
        outcome='new_ticket',
        sender='dieter.schaefer@example.com',
        subject='Angebot 2026-118: „Wartung inklusive“?',
        text_contains=('im Angebot steht „Wartung inklusive“ – auf der Rechnung werden aber 89,00 € extra berechnet',),
        note='Windows-1252 QP body (=84 =93 =96 =80) from Windows Live Mail; cp1252 encoded-word subject',
    ),
    'new_mislabelled_latin1_is_utf8': Expect(
        outcome='new_ticket',
        sender='soeren.jaeger@example.net',
        subject='Schlüssel Serverraum verschwunden',
        text_contains=('der Schlüssel für den Serverraum ist verschwunden', 'alle Zugänge'),
        text_excludes=('SchlÃ¼ssel', 'Ã¤', 'Ã'),
        note='mislabelled: declared iso-8859-1 but the body bytes are UTF-8 (a PHP form mailer); must not become mojibake',
    ),
    'new_mislabelled_ascii_is_cp1252': Expect(
        outcome='new_ticket',
        sender='heinz.kuehn@example.com',
        subject='Gutschrift an neue Adresse',
        text_contains=('die Gutschrift über 50 € an unsere neue Adresse', 'Hauptstraße 5, 97070 Würzburg'),
        text_excludes=('�',),
        note='mislabelled: declared us-ascii but 8bit windows-1252 bytes (0x80 €, 0xFC ü, 0xDF ß); decoded as windows-1252 like browsers do',
    ),
    'new_no_charset_8bit_utf8': Expect(
        outcome='new_ticket',
        sender='lukas.boehm@example.org',
        subject='Backup-Job schlägt fehl',
        text_contains=('der nächtliche Backup-Job auf fs02 schlägt seit Montag fehl', '/srv/daten/Übergabe'),
        text_excludes=('Ã',),
        note='Content-Type text/plain without a charset, 8bit UTF-8 bytes (s-nail)',
    ),
    'new_no_content_type_8bit_latin1': Expect(
        outcome='new_ticket',
        sender='lager@example.de',
        subject='Stoerung Kommissionierung',
        text_contains=('die Störung an der Kommissionieranlage tritt seit 05:40 Uhr wieder auf', 'Bitte dringend Rückruf'),
        text_excludes=('�',),
        note='no MIME-Version and no Content-Type at all, 8bit Latin-1 bytes (not valid UTF-8): decoded with a Latin-1/windows-1252 fallback',
    ),
    'new_raw_utf8_headers': Expect(
        outcome='new_ticket',
        sender='joerg.brueckner@example.net',
        subject='Störung in der Warenwirtschaft – Lager Süd',
        text_contains=('seit 7 Uhr lässt sich im Lager Süd kein Wareneingang mehr buchen',),
        note='raw 8bit UTF-8 in From and Subject headers (RFC 6532 / SMTPUTF8), no encoded words',
    ),
    'new_subject_base64_utf8': Expect(
        outcome='new_ticket',
        sender='aylin.yilmaz@example.com',
        subject='Zugang zum Kundenportal gesperrt – bitte entsperren',
        text_contains=('mein Zugang zum Kundenportal ist seit heute Morgen gesperrt', 'Aylin Yılmaz'),
        note='=?UTF-8?B?…?= subject split by Gmail over two folded encoded words; base64 text parts',
    ),
    'new_subject_q_latin1': Expect(
        outcome='new_ticket',
        sender='frank.goessling@example.de',
        subject='Bestellbestätigung für Auftrag 4711 fehlt',
        text_contains=('haben wir keine Bestellbestätigung erhalten',),
        note='=?iso-8859-1?Q?…?= subject with umlauts (Outlook 2007), iso-8859-1 QP body',
    ),
    'new_subject_split_folded_words': Expect(
        outcome='new_ticket',
        sender='nina.krause@example.org',
        subject='Fehlermeldung beim Hochladen großer Dateien – Überprüfung nötig',
        text_contains=('bricht der Upload bei 99 % ab',),
        note='subject: plain text + Q word ending mid-character (ß split as =C3 | =9F) + B word, folded over three lines (space and tab)',
    ),
    'new_subject_very_long': Expect(
        outcome='new_ticket',
        sender='matthias.schulze@example.com',
        subject='Dringend: Nach dem Update der Firmware auf Version 7.4.2 am Wochenende funktionieren an allen drei Standorten (Hamburg, München, Köln) weder die Netzwerkdrucker noch die Scanner, außerdem melden sich die IP-Telefone alle zehn Minuten ab – bitte um schnellstmöglichen Rückruf durch einen Techniker',
        text_contains=('Seit Montag früh steht bei uns praktisch alles.',),
        note='subject of 296 characters in many folded encoded words; Ticket.subject holds 200: the stored subject is this one cut (compare as a prefix)',
    ),
    'new_subject_encoded_crlf': Expect(
        outcome='new_ticket',
        sender='sandra.fischer@example.org',
        subject='Server ausgefallen bitte dringend zurückrufen',
        text_contains=('unser Dateiserver fs01 ist seit 9:50 Uhr nicht erreichbar',),
        note='encoded word carrying =0D=0A inside the subject: CR/LF become one space in the ticket subject (and never reach an outgoing header)',
    ),
    'new_subject_header_injection': Expect(
        outcome='new_ticket',
        sender='kontakt@example.net',
        subject='Angebot angefragt Bcc: mallory@example.net',
        text_contains=('Bitte senden Sie uns ein Angebot für 25 Arbeitsplätze.',),
        note="header injection attempt: an encoded LF followed by 'Bcc:' in the subject; the LF becomes a space, no Bcc ever appears on our answer",
    ),
    'new_empty_subject': Expect(
        outcome='new_ticket',
        sender='sebastian.wolf@example.de',
        text_contains=('unser WLAN-Gastzugang zeigt keine Anmeldeseite mehr',),
        note='empty Subject header with a body: the helpdesk gives the ticket a subject of its own (not asserted)',
    ),
    'new_no_subject_header': Expect(
        outcome='new_ticket',
        sender='empfang@example.org',
        text_contains=('Der Scanner im Empfang schickt keine PDFs mehr per Mail',),
        note='no Subject header at all: the helpdesk gives the ticket a subject of its own (not asserted)',
    ),
    'new_empty_body': Expect(
        outcome='new_ticket',
        sender='ute.lange@example.de',
        subject='Bitte um Rückruf – Frau Lange, Tel. 0711 4567-0',
        note='subject only, empty text and an empty Outlook HTML part: still a new ticket (its text may be empty or the subject)',
    ),
    'new_attachment_rfc2231_umlauts': Expect(
        outcome='new_ticket',
        sender='mareike.gross@example.org',
        subject='Rechnung März und Lieferübersicht',
        text_contains=('anbei die Rechnung für März, die laut Ihrem Portal noch offen ist, und die Lieferübersicht',),
        attachments=('Rechnung März.pdf', 'Übersicht Lieferungen KW 48 – Standort Nürnberg.xlsx'),
        note="RFC 2231 file names: filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf and a continued filename*0*/filename*1* (Thunderbird)",
    ),
    'new_attachment_encoded_word_names': Expect(
        outcome='new_ticket',
        sender='tobias.krueger@example.de',
        subject='Prüfbericht und Lieferschein',
        text_contains=('im Anhang der Prüfbericht der Großküche und der unterschriebene Lieferschein',),
        attachments=('Prüfbericht Großküche.docx', 'Lieferschein Nr. 7 – Übergabe.pdf'),
        note='RFC 2047 encoded words inside quoted name=/filename= (Outlook): one Q, one B',
    ),
    'new_inline_images_outlook_related': Expect(
        outcome='new_ticket',
        sender='stefanie.koehler@example.com',
        subject='Fehlermeldung im Kundenportal (Screenshot im Text)',
        text_contains=('beim Speichern der Adresse im Kundenportal erscheint die unten gezeigte Fehlermeldung',),
        inline_images=('image001.png', 'image002.png'),
        note='Outlook multipart/related (type=multipart/alternative) with two cid: images referenced from the HTML',
    ),
    'new_gmail_pdf_and_image': Expect(
        outcome='new_ticket',
        sender='emily.clarke@example.co.uk',
        subject='Quote 2026-118: totals wrong',
        text_contains=('the totals on page 2 do not add up',),
        attachments=('Quote_2026-118.pdf', 'error-screenshot.png'),
        note='Gmail multipart/mixed: a PDF and a PNG attachment (Content-ID present but not referenced: attachments, not inline)',
    ),
    'new_forward_outlook_wg': Expect(
        outcome='new_ticket',
        sender='sabine.schaefer@example.de',
        subject='Lieferung 4711 unvollständig',
        text_contains=('bitte prüfen Sie, warum die Lieferung 4711 unvollständig bei uns angekommen ist', 'zwei Paletten Kabelkanäle'),
        note="Outlook forward 'WG:' (In-Reply-To names a foreign mail): new ticket from the forwarder; the forwarded block is the substance and is KEPT",
    ),
    'new_forward_gmail_fwd': Expect(
        outcome='new_ticket',
        sender='oliver.bennett@example.com',
        subject='Your order #88231 has shipped',
        text_contains=('could you please check this? We ordered the USB-C docking station', '1 x HDMI cable 2 m (SKU HD-2M-BLK)'),
        note="Gmail '---------- Forwarded message ---------': new ticket from the forwarder, forwarded content KEPT, 'Fwd:' stripped",
    ),
    'new_attached_message_rfc822': Expect(
        outcome='new_ticket',
        sender='claudia.neumann@example.de',
        subject='Ihre Rechnung Nr. 2026-4471',
        text_contains=('ist das echt oder Phishing? Die Absenderadresse kommt mir komisch vor.',),
        text_excludes=('Zahlen Sie umgehend',),
        attachments=('Ihre Rechnung Nr. 2026-4471.eml',),
        note='message/rfc822 attached (forward as attachment): kept as an .eml attachment, its text is not mixed into the body',
    ),
    'new_attachment_over_size_limit': Expect(
        outcome='new_ticket',
        sender='markus.lehmann@example.org',
        subject='Debug-Protokoll vom VPN-Client',
        text_contains=('anbei das Debug-Protokoll des VPN-Clients vom 1. Dezember',),
        attachments=('vpn-konfiguration.txt',),
        attachments_left_out=('VPN-Client_Debug-Protokoll_Dezember.log',),
        note='one attachment of 11,000,000 bytes (over 10 MiB) is left out (note on the ticket, polite answer); the small one is kept; the only big file in the corpus',
    ),
    'new_seven_attachments_apple': Expect(
        outcome='new_ticket',
        sender='lena.hoffmann@example.de',
        subject='Fotos vom Wasserschaden im Serverraum',
        text_contains=('heute früh stand Wasser unter dem Doppelboden im Serverraum',),
        attachments=('IMG_4101.PNG', 'IMG_4102.PNG', 'IMG_4103.PNG', 'IMG_4104.PNG', 'IMG_4105.PNG'),
        attachments_left_out=('IMG_4106.PNG', 'IMG_4107.PNG'),
        note="7 attachments (limit 5): the first five in MIME order are kept, the last two left out; Apple's 'inline' images without Content-ID count as attachments",
    ),
    'new_cc_two_colleagues': Expect(
        outcome='new_ticket',
        sender='thomas.weiss@example.org',
        subject='Zugriff auf das Projektlaufwerk P:',
        text_contains=('wir drei benötigen Schreibzugriff auf das Projektlaufwerk', 'Bitte halten Sie meine Kolleginnen und Kollegen auf dem Laufenden.'),
        cc=('petra.poehl@example.org', 'oezguer.oezdemir@example.org'),
        note='two colleagues in Cc (encoded display names, one address in mixed case) become collaborators; the support address in To does not',
    ),
    'new_known_customer_refuse_mode': Expect(
        outcome='new_ticket',
        sender='karin.kunde@example.de',
        subject='Neuen Laptop für Auszubildende einrichten',
        text_contains=('bitte richten Sie für unsere zwei neuen Auszubildenden ab 4. Januar je einen Laptop ein.',),
        refuse_unknown=True,
        note='known customer writes a fresh mail to a mailbox that refuses unknown senders: new ticket as usual',
    ),
    'new_2000_recipients': Expect(
        outcome='new_ticket',
        sender='heike.hoffmann@example.org',
        subject='Störung Telefonanlage – Hinweis an alle Standorte',
        text_contains=('Die Anlage in Halle 2 ist seit heute Mittag ausgefallen.',),
        note='too many recipients: 1,000 in To and 1,000 in Cc; capped or ignored (implementer decides), never 2,000 collaborators; the ticket opens',
    ),
    'new_nul_byte_in_body': Expect(
        outcome='new_ticket',
        sender='petra.vogel@example.com',
        subject='Export aus der Buchhaltung fehlerhaft',
        text_contains=('Der Export enthält', 'ungültige Zeichen, siehe Zeile 4711'),
        text_excludes=('\x00',),
        note='a NUL byte inside the 8bit body (PostgreSQL text cannot hold it): removed or replaced, never stored',
    ),
    'broken_multipart_no_closing_boundary': Expect(
        outcome='new_ticket',
        sender='wolfgang.brandt@example.org',
        subject='Upload-Datei kommt nur halb an',
        text_contains=('die Datei kommt bei mir nur halb an',),
        note='multipart without its closing boundary, the last (base64) part cut off mid-stream: the text part still opens a ticket; attachment not asserted',
    ),
    'broken_multipart_missing_boundary': Expect(
        outcome='new_ticket',
        sender='rainer.zimmermann@example.net',
        subject='Lizenzschluessel abgelaufen',
        note='Content-Type multipart/mixed without a boundary parameter: must not crash; decision: a new ticket with a best-effort text (not asserted)',
    ),
    'broken_bad_base64': Expect(
        outcome='new_ticket',
        sender='andrea.seidel@example.com',
        subject='Kalender synchronisiert nicht',
        text_contains=('synchronisiert mein Handy keine Termine mehr',),
        note='base64 body with a line of invalid characters and missing padding: decoded leniently',
    ),
    'broken_header_line_without_colon': Expect(
        outcome='new_ticket',
        sender='gabi.roth@example.de',
        subject='Monitor flackert',
        text_contains=('der Monitor an Arbeitsplatz 12 flackert seit dem Umzug ständig',),
        note="a header line without a colon ('X-Generated-By ScanToMail …') before the blank line: must not crash; the real headers before it count",
    ),
    'refused_unknown_sender': Expect(
        outcome='refused',
        reason='unknown_sender',
        sender='hp.koehler@example.org',
        refuse_unknown=True,
        note='unknown sender to a mailbox that refuses unknown senders: polite refusal, no ticket',
    ),
    'loop_from_support_address': Expect(
        outcome='ignored',
        reason='loop',
        sender='support@example.test',
        note='mail From our own mailbox address (e.g. a confirmation that came back to us): never processed, never answered',
    ),
    'ignored_noreply_sender': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='noreply@example.test',
        note='From noreply@… with no Auto-Submitted header: an automated sender that cannot take an answer; decision: ignored as auto_reply',
    ),
    'ignored_no_from_header': Expect(
        outcome='ignored',
        reason='no_sender',
        note='no From header and a null envelope sender: nobody to open a ticket for or answer; decision: ignored, reason no_sender',
    ),
    'ooo_de_sieve_vacation': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='karin.kunde@example.de',
        note="German out-of-office from Sieve vacation: 'Auto-Submitted: auto-replied (vacation)' (with a parameter) and Precedence: bulk; threaded into HD-2026-000042 but must not be added to it",
    ),
    'ooo_en_auto_submitted': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='john.smith@example.com',
        note='English out-of-office with Auto-Submitted: auto-replied; threaded into HD-2026-000043 but must not be added to it',
    ),
    'ooo_exchange_automatische_antwort': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='karin.kunde@example.de',
        note="Exchange OOF: no Auto-Submitted, only 'X-Auto-Response-Suppress: All' and the subject prefix 'Automatische Antwort:'",
    ),
    'bulk_newsletter_precedence_bulk': Expect(
        outcome='ignored',
        reason='bulk',
        sender='newsletter@news.example.com',
        note='newsletter with Precedence: bulk and List-Unsubscribe but no List-Id: bulk (List-Id is what marks a mailing list)',
    ),
    'bulk_precedence_junk': Expect(
        outcome='ignored',
        reason='bulk',
        sender='info@angebote.example.net',
        note="Precedence: junk: treated like bulk (reason 'bulk')",
    ),
    'list_mailman_list_id': Expect(
        outcome='ignored',
        reason='mailing_list',
        sender='max.mustermann@example.org',
        note='Mailman list mail (List-Id, List-Unsubscribe, Precedence: list, Sender: …-bounces) with the support address in Cc',
    ),
    'auto_generated_monitoring': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='zabbix@monitor.example.org',
        note='Auto-Submitted: auto-generated (monitoring alert): ignored with reason auto_reply',
    ),
    'bounce_dsn_postfix_5_1_1': Expect(
        outcome='bounce',
        sender='mailer-daemon@mx1.example.test',
        note='RFC 3464 DSN from Postfix: Final-Recipient john.smith@example.com, Action failed, Status 5.1.1, returned headers name our Message-ID of HD-2026-000043 (it has Auto-Submitted too: bounce wins)',
    ),
    'bounce_exchange_ndr_unzustellbar_de': Expect(
        outcome='bounce',
        sender='microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@example.de',
        note="German Exchange NDR 'Unzustellbar:' in DSN format (message/delivery-status, Status 5.2.2 mailbox full, original as message/rfc822 with our Message-ID of HD-2026-000042); In-Reply-To names our mail but it is not a reply",
    ),
    'bounce_plain_text_auto_submitted': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='mailer-daemon@mx.example.com',
        note='non-standard bounce: plain text only, no machine-readable part, but Auto-Submitted: auto-replied: ignored as auto_reply (never answered)',
    ),
    'bounce_qmail_failure_notice_plain': Expect(
        outcome='ignored',
        reason='auto_reply',
        sender='mailer-daemon@mail.example.net',
        note='qmail bounce: plain text, no Auto-Submitted, no MIME; decision: ignored as auto_reply because the sender is MAILER-DAEMON and the envelope sender is <> (never answered, never a ticket)',
    ),
}
