"""Writes en/LC_MESSAGES/django.po for the notices app (run after makemessages; then msgfmt).

Kept as a script so the English texts sit in one readable table. Usage:
    python src/madoguchi/notices/locale/build_en.py && msgfmt -o …/django.mo …/django.po
"""

from pathlib import Path

SINGLE = {
    "順番のお知らせ（Web Push・メール）": "Turn notices (Web Push, email)",
    "窓口": "the counter",
    "{n}番窓口": "Counter {n}",
    "お呼びしています": "It's your turn",
    "{number}番の方、{counter}へお越しください": "No. {number}, please come to {counter}",
    "まもなく順番です": "Your turn is coming up",
    "次にお呼びします（{number}番）": "You are next (No. {number})",
    "整理券の状況はこちらで確認できます:": "See your ticket's status here:",
    "このメールは、整理券の画面でお知らせを申し込まれた方にお送りしています。"
    "整理券の受付が終わると、メールアドレスは削除され、お知らせも止まります。":
        "You receive this email because you asked for notices on your ticket's page. "
        "When your ticket is finished, your email address is deleted and the notices stop.",
    "このメールには返信できません。": "Please do not reply to this email.",
    "VAPID 鍵": "VAPID key",
    "Web Push": "Web Push",
    "メール": "Email",
    "順番が近づいた": "Turn coming up",
    "呼出": "Called",
    "整理券ID": "Ticket ID",
    "言語": "Language",
    "登録日時": "Registered at",
    "Web Push の登録": "Web Push subscription",
    "メール通知の登録": "Email subscription",
    "送信待ち": "Queued",
    "送信済み": "Sent",
    "失敗": "Failed",
    "取消": "Cancelled",
    "庁舎・拠点": "Office",
    "番号": "Number",
    "経路": "Channel",
    "種類": "Kind",
    "状態": "Status",
    "試行回数": "Attempts",
    "直近のエラー": "Last error",
    "次の送信予定": "Next attempt",
    "送信日時": "Sent at",
    "更新日時": "Updated at",
    "通知の送信記録": "Notice deliveries",
    "この整理券の通知をやめました。": "Notices for this ticket are turned off.",
    "このブラウザは通知に対応していません。下のメールでのお知らせをご利用ください。":
        "This browser cannot show notifications. Please use the email notice below.",
    "iPhone・iPad では、Safari の共有ボタンから「ホーム画面に追加」し、ホーム画面のアイコンから"
    "この画面を開くと通知を受け取れます（iOS 16.4 以降）。メールでのお知らせもご利用いただけます。":
        "On iPhone and iPad, tap Safari's Share button, choose \"Add to Home Screen\", then open this "
        "page from the new Home Screen icon to receive notifications (iOS 16.4 or later). "
        "You can also get the notices by email.",
    "通知がブロックされています。ブラウザの設定でこのサイトの通知を許可するか、"
    "メールでのお知らせをご利用ください。":
        "Notifications are blocked. Allow notifications for this site in your browser settings, "
        "or use the email notice.",
    "設定しています…": "Setting up…",
    "通知を設定できませんでした。通信状態を確かめて、もう一度お試しください。":
        "Notices could not be set up. Please check your connection and try again.",
    "順番が近づいたらお知らせします": "We can tell you when your turn is near",
    "窓口の近くを離れても大丈夫です。前の待ち人数が少なくなったときと、お呼びしたときに、"
    "このスマートフォンへ通知します。お名前などの個人情報は不要です。"
    "通知は整理券の受付が終わると自動的に止まります。":
        "You do not need to stay near the counter. We notify this phone when only a few people "
        "are ahead of you and when we call your number. No name or other personal details are "
        "needed. Notices stop by themselves when your ticket is finished.",
    "順番が近づいたら通知を受け取る": "Notify me when my turn is near",
    "通知をやめる": "Stop notices",
    "ボタンを押すと、ブラウザが通知を許可するか尋ねます。「許可」を選んでください。":
        "Your browser will ask whether to allow notifications. Please choose \"Allow\".",
    "通知を受け取るには JavaScript を有効にしてください。メールでのお知らせは下のフォームから申し込めます。":
        "To receive notifications, please turn on JavaScript. You can ask for email notices "
        "with the form below.",
    "メールで受け取る": "Get notices by email",
    "メールアドレスはお知らせにだけ使い、整理券の受付が終わると削除します。":
        "Your email address is used only for these notices and is deleted when your ticket is finished.",
    "メールアドレス": "Email address",
    "メールでのお知らせ": "Email notices",
    "整理券の画面に戻る": "Back to your ticket",
}

PLURAL = {
    "あと{n}人で順番です（{number}番）": (
        "{n} person ahead of you (No. {number})", "{n} people ahead of you (No. {number})"),
    "メールでお知らせします。前の待ち人数が{n}人以下になったときと、呼出のときに送ります。": (
        "We will email you when {n} person or fewer is ahead of you, and when you are called.",
        "We will email you when {n} people or fewer are ahead of you, and when you are called."),
    "通知を受け取る設定にしました。前の待ち人数が{n}人以下になったときと、呼出のときにお知らせします。": (
        "Notices are on. We will notify you when {n} person or fewer is ahead of you, and when you are called.",
        "Notices are on. We will notify you when {n} people or fewer are ahead of you, "
        "and when you are called."),
}

HEADER = '''# English texts of the notices app (Japanese is the source language).
msgid ""
msgstr ""
"Project-Id-Version: madoguchi\\n"
"Language: en\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
'''


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    out = [HEADER]
    for msgid, msgstr in SINGLE.items():
        out.append(f"msgid {q(msgid)}\nmsgstr {q(msgstr)}\n")
    for msgid, (one, many) in PLURAL.items():
        out.append(f"msgid {q(msgid)}\nmsgid_plural {q(msgid)}\nmsgstr[0] {q(one)}\nmsgstr[1] {q(many)}\n")
    target = Path(__file__).parent / "en" / "LC_MESSAGES" / "django.po"
    target.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
