"""The language of error answers: French by default, English on request (``Accept-Language``).

The one catalogue of translated problem texts. Problems are raised with English messages (the
domain's, Litestar's, msgspec's); here they get their French text by problem code, or by the
English text where one code covers several messages (the HTTP layer's), or by a pattern that
carries the message's figures over (``FRENCH_TEMPLATES_BY_CODE``). A message not in the catalogue
(such as "the session is full (2 of 2)") keeps its English text.
"""

from __future__ import annotations

import re
from typing import Literal

from domain.identity.model import PARTNER_KINDS

Language = Literal["fr", "en"]
DEFAULT_LANGUAGE: Language = "fr"

TITLES: dict[int, tuple[str, str]] = {  # status: (French, English)
    400: ("Requête invalide", "Bad request"),
    401: ("Authentification requise", "Not authenticated"),
    403: ("Action non autorisée", "Forbidden"),
    404: ("Ressource introuvable", "Not found"),
    405: ("Méthode non autorisée", "Method not allowed"),
    409: ("Conflit", "Conflict"),
    413: ("Requête trop volumineuse", "Request body too large"),
    415: ("Type de contenu non pris en charge", "Unsupported media type"),
    422: ("Règle métier non respectée", "Unprocessable content"),
    429: ("Trop de requêtes", "Too many requests"),
    500: ("Erreur interne", "Internal server error"),
    503: ("Service indisponible", "Service unavailable"),
}

# Every problem ``code`` the service answers with: the closed list the contract publishes
# (tests/contract/test_problem_codes.py finds each code raised in the sources here). A conflict with
# a database constraint is also ``conflict.<constraint>``, which the contract gives as a pattern.
PROBLEM_CODES: tuple[str, ...] = (
    "api_key.not_found",
    "applicant.duplicate",
    "applicant.no_contact",
    "applicant.not_found",
    "applicant.stage_backwards",
    "applicant.stage_not_manual",
    "applicant.unknown_officer",
    "applicant.version_mismatch",
    "application.conditions_open",
    "application.illegal_transition",
    "application.not_eligible",
    "application.not_found",
    "application.version_mismatch",
    "apr.invalid_cash_flows",
    "apr.not_converging",
    "auth.forbidden",
    "auth.invalid_code",
    "auth.invalid_credentials",
    "auth.not_authenticated",
    "borrower.duplicate_email",
    "borrower.not_found",
    "borrower.unknown_language",
    "close_of_business.closed_later",
    "close_of_business.day_not_over",
    "committee.decider_conflict",
    "committee.decision_against_votes",
    "committee.quorum_not_reached",
    "committee.reasons_required",
    "condition.already_met",
    "condition.not_found",
    "conflict",
    "conflict.integrity",
    "conflict.stale",
    "contract.no_offer",
    "contract.signed_before_offer",
    "contract.signed_in_future",
    "disbursement.invalid_amount",
    "disbursement.invalid_value_date",
    "disbursement.value_date_not_offer",
    "domain.error",
    "followup.contact_changed",
    "followup.contact_done",
    "followup.contact_not_found",
    "followup.invalid_assignee",
    "followup.invalid_contact_date",
    "followup.invalid_outcome",
    "followup.invalid_template",
    "followup.no_plan",
    "followup.outcome_already_recorded",
    "followup.unknown_officer",
    "idempotency.in_flight",
    "idempotency.key_reused",
    "identity.invalid_email",
    "identity.invalid_phone",
    "identity.invalid_username",
    "identity.no_role",
    "identity.self_lockout",
    "identity.username_taken",
    "identity.weak_password",
    "internal_error",
    "ledger.unbalanced",
    "ledger.zero_entry",
    "legal.max_duration_exceeded",
    "legal.no_ceiling",
    "legal.no_usury_threshold",
    "legal.usury_exceeded",
    "loan.invalid_filter",
    "loan.not_active",
    "loan.not_found",
    "loan.nothing_to_reschedule",
    "money.currency_mismatch",
    "money.not_positive",
    "money.too_large",
    "money.too_many_decimals",
    "money.unknown_currency",
    "not_found",
    "offer.disbursement_date_passed",
    "offer.expired",
    "offer.invalid_disbursement_date",
    "offer.signed_date_not_passed",
    "partner.not_found",
    "partner.unknown_kind",
    "payment.above_payoff",
    "payment.already_reversed",
    "payment.not_found",
    "portfolio.invalid_group",
    "portfolio.invalid_period",
    "privacy.contact_taken",
    "privacy.dispute_open",
    "privacy.empty_value",
    "privacy.loan_active",
    "privacy.not_due",
    "privacy.person_not_found",
    "privacy.value_too_long",
    "product.code_taken",
    "product.inactive",
    "product.invalid_code",
    "product.invalid_terms",
    "product.limit_exceeded",
    "product.not_found",
    "product.term_fixed",
    "product.version_mismatch",
    "product.version_not_found",
    "project.invalid_siret",
    "project.not_found",
    "project.under_decision",
    "project.version_mismatch",
    "quote.rate_required",
    "referral.consent_in_future",
    "referral.no_consent",
    "referral.not_found",
    "request.incomplete",
    "request.invalid",
    "request.invalid_field",
    "request.method_not_allowed",
    "request.rate_limited",
    "request.too_large",
    "request.unsupported_media_type",
    "rule.violated",
    "service.unavailable",
    "servicing.already_reversed",
    "servicing.before_disbursement",
    "servicing.duplicate_payment",
    "servicing.duplicate_sequence",
    "servicing.invalid_amount",
    "servicing.invalid_payoff_date",
    "servicing.invalid_schedule",
    "servicing.invalid_terms",
    "servicing.invalid_value_date",
    "servicing.unknown_payment",
    "staff_user.not_found",
    "staff_user.version_mismatch",
    "training.already_enrolled",
    "training.attendance_too_low",
    "training.completion_in_future",
    "training.day_in_future",
    "training.day_outside_session",
    "training.enrolment_not_active",
    "training.enrolment_not_found",
    "training.invalid_programme",
    "training.invalid_session",
    "training.not_a_training_provider",
    "training.other_programme",
    "training.programme_inactive",
    "training.programme_not_found",
    "training.same_session",
    "training.session_full",
    "training.session_longer_than_programme",
    "training.session_not_found",
    "training.session_not_over",
    "training.session_out_of_range",
    "value.out_of_range",
    "value.too_many_decimals",
    "webhook.delivery_not_failed",
    "webhook.delivery_not_found",
    "webhook.https_required",
    "webhook.invalid_url",
    "webhook.not_found",
    "webhook.private_address",
)
CONSTRAINT_CONFLICT_PATTERN = r"^conflict\.[a-z0-9_]+$"

# French texts of problems whose code names one message.
FRENCH_BY_CODE: dict[str, str] = {
    "internal_error": "une erreur inattendue s'est produite ; citez l'identifiant de la requête pour la signaler",
    "request.incomplete": "le client s'est déconnecté",
    "request.too_large": "le corps de la requête dépasse la taille admise",
    "request.method_not_allowed": "méthode non autorisée pour cette adresse",
    "api_key.not_found": "clé d'API introuvable",
    "applicant.not_found": "candidat introuvable",
    "application.not_found": "demande de prêt introuvable",
    "borrower.not_found": "emprunteur introuvable",
    "training.enrolment_not_found": "inscription introuvable",
    "followup.contact_not_found": "contact de suivi introuvable",
    "followup.no_plan": "ce prêt n'a pas de plan de suivi",
    "loan.not_found": "prêt introuvable",
    "privacy.person_not_found": "personne introuvable (ou effacée)",
    "privacy.empty_value": "la valeur corrigée est vide",
    "privacy.loan_active": "un prêt de cette personne est en cours : ses données sont conservées",
    "privacy.dispute_open": "un litige est ouvert : le dossier est conservé jusqu'à son règlement",
    "product.not_found": "produit de prêt introuvable",
    "product.version_not_found": "version du produit de prêt introuvable",
    "partner.not_found": "partenaire introuvable",
    "partner.unknown_kind": f"type de partenaire inconnu ; valeurs admises : {', '.join(sorted(PARTNER_KINDS))}",
    "payment.not_found": "paiement introuvable sur ce prêt",
    "referral.not_found": "orientation introuvable",
    "staff_user.not_found": "utilisateur introuvable",
    "project.not_found": "ce candidat n'a pas encore de projet d'entreprise",
    "training.programme_not_found": "programme de formation introuvable",
    "training.session_not_found": "session de formation introuvable",
    "auth.invalid_credentials": "identifiant ou mot de passe incorrect",
    "auth.invalid_code": "code invalide ou expiré",
    "money.unknown_currency": "devise inconnue",
    "money.currency_mismatch": "les montants ne sont pas dans la même devise",
    "service.unavailable": "service momentanément indisponible ; réessayez",
    "borrower.duplicate_email": "un emprunteur a déjà cette adresse e-mail",
    "idempotency.in_flight": "une requête avec cette clé d'idempotence est encore en cours",
    "conflict.stale": "l'enregistrement a été modifié entre-temps ; rechargez et réessayez",
    "followup.contact_changed": "le contact a été modifié entre-temps ; rechargez et réessayez",
    "followup.contact_done": "ce contact est terminé : il ne peut plus être confié",
    "followup.outcome_already_recorded": "le compte rendu de ce contact est déjà enregistré",
    "payment.already_reversed": "ce paiement est déjà annulé",
    "loan.nothing_to_reschedule": "il ne reste pas de capital à rééchelonner",
    "committee.reasons_required": "un refus doit être motivé",
    "committee.decider_conflict": "qui a préparé, instruit ou transmis ce dossier ne peut ni voter ni décider",
    "contract.no_offer": "il n'y a pas encore d'offre, donc pas de contrat",
    "legal.no_usury_threshold": "aucun taux d'usure n'est en vigueur pour ce montant",
    "followup.invalid_assignee": "un contact est suivi soit par un conseiller, soit par un parrain bénévole",
    "followup.unknown_officer": "aucun membre actif du personnel n'a cet identifiant",
    "training.other_programme": "un changement reste dans le programme ; inscrivez la personne à l'autre",
    "referral.no_consent": "la personne doit avoir consenti à la transmission de ses données",
    "quote.rate_required": "obligatoire sans product_id",
    "portfolio.invalid_group": "doit valoir product, officer ou partner",
    "identity.self_lockout": "un administrateur ne peut pas retirer son propre accès administrateur",
    "identity.no_role": "au moins un rôle est requis",
    "identity.invalid_email": "adresse e-mail invalide",
    "identity.invalid_phone": "numéro de téléphone invalide",
    "borrower.unknown_language": "la langue doit être fr ou en",
    "applicant.no_contact": "une adresse e-mail ou un numéro de téléphone est requis",
    "applicant.unknown_officer": "pas un agent de crédit actif",
    "referral.consent_in_future": "le consentement ne peut pas être daté dans le futur",
    "training.day_in_future": "la présence ne peut pas être enregistrée à l'avance",
    "training.same_session": "le candidat est déjà dans cette session",
    "training.programme_inactive": "ce programme n'est plus proposé",
    "contract.signed_before_offer": "ne peut pas précéder l'émission de l'offre",
    "contract.signed_in_future": "ne peut pas être dans le futur",
    "training.completion_in_future": "ne peut pas être dans le futur",
    "form.not_a_number": "doit être un nombre",
    "form.not_a_whole_number": "doit être un nombre entier",
    "form.not_a_date": "date invalide",
    "form.required": "obligatoire",
    "form.not_a_choice": "choix inconnu",
}

# French texts of the HTTP layer's messages, by their English text.
FRENCH_BY_TEXT: dict[str, str] = {
    "no such resource": "ressource introuvable",
    "the request does not match the schema": "la requête ne respecte pas le schéma",
    "missing parameters": "paramètres obligatoires manquants",
    "send the body as application/json": "envoyez le corps de la requête en application/json",
    "NUL characters are not accepted": "les caractères NUL ne sont pas acceptés",
    "missing, invalid or expired credentials": "identifiants absents, invalides ou expirés",
    "your role does not allow this action": "votre rôle ne permet pas cette action",
    "stale or forged form": "formulaire périmé : rechargez la page et recommencez",
    "too many quotes; try again later": "trop de simulations ; réessayez plus tard",
    "too many sign-in attempts; try again later": "trop de tentatives de connexion ; réessayez plus tard",
    "required header": "en-tête obligatoire",
    "required query parameter": "paramètre de requête obligatoire",
    "malformed JSON": "JSON mal formé",
    "not valid UTF-8": "UTF-8 invalide",
    "nested too deeply": "imbrication trop profonde",
    "too many failed sign-ins; try again later": "trop de connexions échouées ; réessayez plus tard",
    "if this address is known, a code has been sent": "si cette adresse est connue, un code a été envoyé",
    "the request has no body; send a JSON object": "la requête n'a pas de corps ; envoyez un objet JSON",
    # Messages shared by several codes, or codes with several messages.
    "must be more than zero": "doit être supérieur à zéro",
    "must not be negative": "ne doit pas être négatif",
    "cannot be in the future": "ne peut pas être dans le futur",
    "this Idempotency-Key was used for another application": (
        "cette clé d'idempotence a déjà servi pour une autre demande"
    ),
    "this Idempotency-Key was used with another request body": (
        "cette clé d'idempotence a déjà servi avec un autre corps de requête"
    ),
}

# Messages with figures, by code: (English pattern, French template with the pattern's groups).
FRENCH_TEMPLATES_BY_CODE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "privacy.value_too_long": [
        (re.compile(r"^at most (?P<n>\d+) characters for (?P<field>\w+)$"), "au plus {n} caractères pour {field}")
    ],
    "privacy.contact_taken": [
        (re.compile(r"^another person already has this (?P<field>\w+)$"), "une autre personne a déjà ce {field}")
    ],
    "application.version_mismatch": [
        (
            re.compile(r"^the application is at version (?P<current>\d+), not (?P<given>\d+); reload it$"),
            "la demande est à la version {current}, pas {given} ; rechargez-la",
        )
    ],
    "application.conditions_open": [
        (
            re.compile(r"^the committee's conditions are not all met: (?P<conditions>.*)$", re.DOTALL),
            "les conditions du comité ne sont pas toutes levées : {conditions}",
        )
    ],
    "payment.above_payoff": [
        (
            re.compile(
                r"^(?P<amount>\S+) is more than the payoff on (?P<day>\S+) \((?P<owed>\S+) (?P<currency>[A-Z]{3})\) "
                r"plus (?P<margin>\S+): confirm the overpayment to record it$"
            ),
            "{amount} dépasse le montant pour solder le prêt le {day} ({owed} {currency}) de plus de {margin} : "
            "confirmez le trop-perçu pour l'enregistrer",
        )
    ],
    "servicing.invalid_value_date": [
        (
            re.compile(r"^must be between (?P<earliest>\S+) and today$"),
            "doit être comprise entre le {earliest} et aujourd'hui",
        )
    ],
    "schedule.invalid_terms": [
        (
            re.compile(r"^must be between (?P<earliest>\S+) and (?P<latest>\S+)$"),
            "doit être comprise entre le {earliest} et le {latest}",
        ),
        (
            re.compile(
                r"^at most (?P<latest>\S+), one repayment period after the disbursement; "
                r"defer longer with a grace period$"
            ),
            "au plus tard le {latest}, une période de remboursement après le décaissement ; "
            "pour un différé plus long, prévoyez une franchise",
        ),
        (
            re.compile(r"^the first due date comes after the disbursement date$"),
            "la première échéance vient après la date de décaissement",
        ),
        (
            re.compile(
                r"^the last due date would be after (?P<latest>\S+); fewer instalments or an earlier first due date$"
            ),
            "la dernière échéance tomberait après le {latest} : moins d'échéances ou une première échéance plus tôt",
        ),
    ],
    "money.too_many_decimals": [
        (re.compile(r"^(?P<cur>[A-Z]{3}) has (?P<n>\d+) decimals at most$"), "{cur} a au plus {n} décimales"),
        (
            re.compile(r"^(?P<field>\S+) has more decimals than (?P<cur>[A-Z]{3}) allows$"),
            "{field} a plus de décimales que {cur} n'en admet",
        ),
        (
            re.compile(r"^(?P<field>\S+) has more decimals than the currency allows$"),
            "{field} a plus de décimales que la devise n'en admet",
        ),
    ],
    "value.too_many_decimals": [(re.compile(r"^at most (?P<n>\d+) decimals$"), "au plus {n} décimales")],
    "money.too_large": [
        (re.compile(r"^must be below (?P<limit>\S+)$"), "doit être inférieur à {limit}"),
        (
            re.compile(r"^the loan's balances and instalments stay below (?P<limit>\S+)$"),
            "les soldes et les échéances du prêt doivent rester inférieurs à {limit}",
        ),
    ],
}

# msgspec's reasons for a field, as patterns: (English pattern, French template).
_FRENCH_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `(?P<a>[^`]+)`, got `(?P<b>[^`]+)`$"), "attendu `{a}`, reçu `{b}`"),
    (re.compile(r"^Object missing required field `(?P<a>[^`]+)`$"), "champ obligatoire manquant `{a}`"),
    (re.compile(r"^Object contains unknown field `(?P<a>[^`]+)`$"), "champ inconnu `{a}`"),
    (re.compile(r"^Invalid enum value (?P<a>.+)$"), "valeur non prévue {a}"),
    (re.compile(r"^Expected `(?P<a>[^`]+)` matching regex (?P<b>.+)$"), "attendu `{a}` au format {b}"),
    (re.compile(r"^Expected `(?P<a>[^`]+)` of length (?P<b>.+)$"), "attendu `{a}` de longueur {b}"),
    (re.compile(r"^Expected `(?P<a>[^`]+)` (?P<b>[<>=]+ .+)$"), "attendu `{a}` {b}"),
    (re.compile(r"^Invalid RFC3339 encoded date$"), "date invalide (attendue au format AAAA-MM-JJ)"),
    (re.compile(r"^Invalid RFC3339 encoded datetime$"), "date et heure invalides (attendues au format RFC 3339)"),
    (re.compile(r"^Invalid (?P<a>\w+)$"), "{a} invalide"),
]

_LANGUAGE_RANGE = re.compile(r"^\s*(?P<tag>[A-Za-z]{1,8}|\*)(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*(?P<q>[0-9.]+))?")


def language_of(accept_language: str | None) -> Language:
    """The caller's preferred language among French and English (RFC 9110 quality values)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best: tuple[float, Language] = (0.0, DEFAULT_LANGUAGE)
    for position, item in enumerate(accept_language.split(",")[:20]):
        match = _LANGUAGE_RANGE.match(item)
        tag = match.group("tag").lower() if match else ""
        if tag not in ("fr", "en"):
            continue
        try:
            quality = float(match.group("q")) if match and match.group("q") else 1.0
        except ValueError:
            continue
        # Equal qualities: the first listed wins (the small offset keeps the order).
        score = quality - position * 1e-6
        if score > best[0]:
            best = (score, "fr" if tag == "fr" else "en")
    return best[1]


def title(status: int, language: Language) -> str:
    french, english = TITLES.get(status, ("Erreur", "Error"))
    return french if language == "fr" else english


def text(code: str | None, english: str, language: Language) -> str:
    """``english`` in ``language``: by code, else by text, else the English text itself."""
    if language == "en":
        return english
    if french := FRENCH_BY_CODE.get(code or "") or FRENCH_BY_TEXT.get(english):
        return french
    for pattern, template in FRENCH_TEMPLATES_BY_CODE.get(code or "", ()):
        if match := pattern.match(english):
            return template.format(**match.groupdict())
    if code == "application.not_eligible":  # "check: detail; check: detail", the checks by name
        return check_detail(english, language)
    return english


# The eligibility checks' details (domain/origination/eligibility.py and the sources the use case
# names): each figure comes with its words, so the words are translated around the figures, longest
# phrases first, then the figures are written the French way (``9 000,00``, dates ``07/02/2022``).
_CHECK_PHRASES = (
    ("another lender's microcredit in the financing plan (", "microcrédit d'un autre prêteur au plan de financement ("),
    ("outstanding on loans with us", "encours de nos prêts"),
    ("offered or signed with us, not yet paid out", "offert ou signé chez nous, pas encore versé"),
    ("the product requires a completed training", "le produit demande une formation terminée"),
    (
        "no business project: complete it before submitting",
        "aucun projet d'entreprise : complétez-le avant de soumettre",
    ),
    ("no legal maximum duration in force", "aucune durée maximale légale en vigueur"),
    ("no legal ceiling in force for ", "aucun plafond légal en vigueur pour "),
    ("checked when the offer's TAEG is known", "vérifié quand le TAEG de l'offre est connu"),
    ("indicative TAEG (disbursed today)", "TAEG indicatif (versé aujourd'hui)"),
    ("the signed offer's TAEG", "le TAEG de l'offre signée"),
    ("the offer's TAEG", "le TAEG de l'offre"),
    ("; usury threshold ", " ; seuil d'usure "),
    ("; the product lends ", " ; le produit prête de "),
    (" instalments; the product allows ", " échéances ; le produit en permet de "),
    (" instalments = ", " échéances = "),
    (" months; legal maximum ", " mois ; maximum légal "),
    ("; legal ceiling ", " ; plafond légal "),
    ("(in force since ", "(en vigueur depuis le "),
    (" guaranteed by the project's ", " garantis par les "),
    (" guarantor(s); ", " garant(s) du projet ; "),
    (" required (", " demandés ("),
    (" % of this loan ", " % de ce prêt "),
    (", set by the product)", ", fixé par le produit)"),
    ("the financing plan is in ", "le plan de financement est en "),
    (", the loan in ", ", le prêt en "),
    ("business project version ", "projet d'entreprise version "),
    (": needs ", " : besoins "),
    (", resources ", ", ressources "),
    ("training completed", "formation terminée"),
    ("not required", "non demandée"),
    ("this loan ", "ce prêt "),
    (" months", " mois"),
    (" to ", " à "),
)
_DECIMAL = re.compile(r"\b(\d+)\.(\d+)\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _french_decimal(match: re.Match[str]) -> str:
    whole = f"{int(match.group(1)):,}".replace(",", "\u202f")
    return f"{whole},{match.group(2)}"


def check_detail(english: str, language: Language) -> str:
    """An eligibility check's detail in ``language``: its figures and sources kept, its words and
    number format translated (officers read them on the application and in a refusal)."""
    if language == "en":
        return english
    french = english
    for phrase, translated in _CHECK_PHRASES:
        french = french.replace(phrase, translated)
    french = _ISO_DATE.sub(r"\3/\2/\1", french)
    return _DECIMAL.sub(_french_decimal, french)


def reason(english: str, language: Language) -> str:
    """A field's reason (msgspec's or the request checks') in ``language``."""
    if language == "en":
        return english
    if english in FRENCH_BY_TEXT:
        return FRENCH_BY_TEXT[english]
    for pattern, template in _FRENCH_REASONS:
        if match := pattern.match(english):
            return template.format(**match.groupdict())
    return english
