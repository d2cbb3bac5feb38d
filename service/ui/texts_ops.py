"""The texts of the operations pages (loans, follow-up, training, administration): key -> (French,
English), merged into ``service.ui.texts.TEXTS``."""

from __future__ import annotations


def _prefixed(prefix: str, rows: tuple[tuple[str, str, str], ...]) -> dict[str, tuple[str, str]]:
    return {f"{prefix}.{code}": (fr, en) for code, fr, en in rows}


OPS_TEXTS: dict[str, tuple[str, str]] = {
    "nav.loans": ("Prêts", "Loans"),
    "nav.training": ("Formations", "Training"),
    "nav.admin": ("Administration", "Administration"),
    # --- loans
    "loans.title": ("Prêts", "Loans"),
    "loans.any": ("Tous", "Any"),
    "loans.filter": ("Filtrer", "Filter"),
    "loans.none": ("Aucun prêt ne correspond.", "No loan matches."),
    "loans.next_page": ("Page suivante", "Next page"),
    "loan.title": ("Prêt", "Loan"),
    "loan.application": ("Dossier", "Application"),
    "loan.summary": ("Situation", "Position"),
    "loan.credit": ("Trop-perçu", "Credit balance"),
    "loan.next_due": ("Prochaine échéance", "Next due date"),
    "loan.disbursed_on": ("Décaissé le", "Disbursed on"),
    "loan.officer": ("Chargé de suivi", "Officer"),
    "loan.product": ("Produit", "Product"),
    "loan.partner": ("Partenaire", "Partner"),
    "loan.closed_on": ("Soldé le", "Repaid on"),
    "loan.written_off_on": ("Passé en perte le", "Written off on"),
    "loan.payoff": ("Remboursement anticipé", "Payoff"),
    "loan.payoff_on": ("Date du remboursement", "Payoff date"),
    "loan.payoff_quote": ("Calculer", "Quote"),
    "loan.payoff_on_date": ("pour solder le prêt le {day}", "pays the loan off on {day}"),
    "loan.penalties": ("Pénalités", "Penalties"),
    "loan.schedule": ("Échéancier", "Schedule"),
    "loan.amendment": ("avenant {n}", "amendment {n}"),
    "loan.paid": ("Payé", "Paid"),
    "loan.left": ("Reste dû", "Left to pay"),
    "loan.days_late": ("{n} j de retard", "{n} days late"),
    "loan.earlier_schedules": (
        "{n} échéancier(s) antérieur(s) remplacé(s) par un réaménagement.",
        "{n} earlier schedule(s) replaced by a reschedule.",
    ),
    "loan.transactions": ("Opérations", "Transactions"),
    "loan.no_transactions": ("Aucune opération.", "No transaction."),
    "loan.channel": ("Moyen de paiement", "Channel"),
    "loan.reference": ("Référence (relevé bancaire)", "Reference (bank statement)"),
    "loan.reversed": ("annulé", "reversed"),
    "loan.record_payment": ("Enregistrer un remboursement", "Record a repayment"),
    "loan.preview_payment": ("Voir la répartition", "See how it is allocated"),
    "loan.preview_title": ("Vérifiez avant d'enregistrer", "Check before recording"),
    "loan.preview_intro": (
        "Un paiement de {amount} au {day} serait réparti ainsi :",
        "A payment of {amount} on {day} would be allocated as follows:",
    ),
    "loan.preview_after": ("Après ce paiement :", "After this payment:"),
    "loan.component": ("Poste", "Component"),
    "loan.confirm_payment": ("Confirmer et enregistrer ce paiement", "Confirm and record this payment"),
    "loan.confirm_overpayment": (
        "Je confirme un paiement supérieur au solde (l'excédent reste dû à l'emprunteur)",
        "I confirm a payment above the payoff (the excess is owed back to the borrower)",
    ),
    "loan.reschedule": ("Réaménager", "Reschedule"),
    "loan.reschedule_open": ("Nouvel échéancier ou différé", "New schedule or deferral"),
    "loan.first_due_date": ("Première échéance", "First due date"),
    "loan.write_off": ("Passer en perte", "Write off"),
    "loan.write_off_open": ("Passer le prêt en perte", "Write the loan off"),
    **_prefixed(
        "loan_status",
        (
            ("active", "en cours", "active"),
            ("closed", "soldé", "repaid"),
            ("written_off", "passé en perte", "written off"),
        ),
    ),
    **_prefixed(
        "bucket",
        (
            ("current", "à jour", "current"),
            ("1-30", "1 à 30 j", "1-30 days"),
            ("31-60", "31 à 60 j", "31-60 days"),
            ("61-90", "61 à 90 j", "61-90 days"),
            ("over 90", "plus de 90 j", "over 90 days"),
        ),
    ),
    **_prefixed(
        "inst",
        (
            ("paid", "payée", "paid"),
            ("due", "à payer", "due"),
            ("late", "en retard", "late"),
            ("partially_paid", "partiellement payée", "partly paid"),
            ("not_due", "à venir", "not due"),
            ("written_off", "passée en perte", "written off"),
            ("rescheduled", "réaménagée", "rescheduled"),
        ),
    ),
    **_prefixed(
        "event",
        (
            ("payment", "paiement", "payment"),
            ("reversal", "annulation", "reversal"),
            ("write_off", "passage en perte", "write-off"),
            ("reschedule", "réaménagement", "reschedule"),
        ),
    ),
    **_prefixed(
        "channel",
        (
            ("direct_debit", "prélèvement", "direct debit"),
            ("transfer", "virement", "transfer"),
            ("cash", "espèces", "cash"),
            ("card", "carte", "card"),
        ),
    ),
    **_prefixed(
        "component",
        (
            ("penalties", "pénalités et frais de retard", "penalties and late fees"),
            ("fees", "frais", "fees"),
            ("interest", "intérêts", "interest"),
            ("principal", "capital", "principal"),
            ("recovery", "recouvrement", "recovery"),
        ),
    ),
    # --- follow-up
    "followup.title": ("Suivi post-création", "Business follow-up"),
    "followup.next": ("Prochain contact prévu le {day}", "Next contact due on {day}"),
    "followup.mentor": ("parrain bénévole", "volunteer mentor"),
    "followup.held_by": ("Suivi par", "Held by"),
    "followup.officer": ("chargé de suivi", "officer"),
    "followup.contacted_on": ("Contacté le", "Contacted on"),
    "followup.business": ("Entreprise", "Business"),
    "followup.jobs": ("Emplois créés", "Jobs created"),
    "followup.revenue": ("Chiffre d'affaires annuel", "Yearly revenue"),
    "followup.difficulties": ("Difficultés", "Difficulties"),
    "followup.not_done": ("à faire", "to do"),
    "followup.record": ("Compte rendu du contact n° {n}", "Outcome of contact no. {n}"),
    "followup.save": ("Enregistrer le compte rendu", "Save the outcome"),
    "followup.hand_over": ("Confier à un parrain bénévole", "Hand to a volunteer mentor"),
    "followup.mentor_name": ("Nom et contact du parrain", "Mentor's name and contact"),
    "followup.no_plan": ("Pas de plan de suivi.", "No follow-up plan."),
    **_prefixed(
        "business",
        (
            ("active", "en activité", "active"),
            ("in_difficulty", "en difficulté", "in difficulty"),
            ("closed", "fermée", "closed"),
        ),
    ),
    **_prefixed(
        "revenue",
        (
            ("none", "aucun", "none"),
            ("under_10k", "moins de 10 000 €", "under €10,000"),
            ("10k_to_30k", "10 000 à 30 000 €", "€10,000 to €30,000"),
            ("30k_to_80k", "30 000 à 80 000 €", "€30,000 to €80,000"),
            ("over_80k", "plus de 80 000 €", "over €80,000"),
        ),
    ),
}
