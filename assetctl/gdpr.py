"""The programme's entry in the controller's register of processing (GDPR article 30) and a
pre-filled data protection impact assessment (article 35; CNIL requires one for social support
processing), built from the configuration and from the schema as it is, so that what the data
protection officer reads is what assetctl does.

Every field of the household form is described here, in French: a field added to the form
without a description stops both documents (:func:`check_described`), so none is left out.
"""

from __future__ import annotations

from typing import Any

from assetctl.access import GRANTS, Permission, Role
from assetctl.config import Settings
from assetctl.errors import ConfigError
from assetctl.households.form import FACT_FIELDS, PERSONAL_FIELDS
from assetctl.vocabulary import Contact

PROCESSING = "Programme de Réussite Éducative : ordinateurs prêtés, donnés ou loués aux familles"

# the personal fields, sealed with the programme's key (households.sealed)
PERSONAL_FR = {
    "child_name": "nom et prénom de l'enfant référent",
    "representatives": "noms des représentants légaux",
    "phone": "téléphone",
    "email": "adresse électronique",
    "address": "adresse postale",
    "landlord": "bailleur",
    "hosted_by": "hébergeant (famille hébergée)",
    "training_why": "motif d'une demande de formation (texte libre)",
    "notes": "observations du référent (texte libre)",
    "children": "prénoms et dates de naissance des enfants",
}
# the facts, kept in clear and after the purge (they identify no one on their own)
FACTS_FR = {
    "qpv": "quartier prioritaire",
    "school": "établissement scolaire",
    "class_name": "classe",
    "adults": "nombre d'adultes du foyer",
    "digital_need": "besoin numérique exprimé",
    "computers": "nombre d'ordinateurs au foyer",
    "computers_working": "ordinateurs en état de marche",
    "computer_type": "type d'ordinateur au foyer",
    "printer": "imprimante au foyer",
    "tablets": "nombre de tablettes",
    "tablets_usable": "tablettes utilisables",
    "smartphones": "nombre de smartphones",
    "smartphones_usable": "smartphones utilisables",
    "internet": "accès à internet",
    "can_pay": "capacité à payer une location",
    "can_install": "capacité à installer le matériel",
    "can_use": "capacité à utiliser le matériel",
    "training": "souhait d'une formation",
    "requested": "matériel demandé",
    "diagnosed_on": "date du diagnostic",
    "caseworker": "référent (agent)",
}
ROLES_FR = {
    Role.TECHNICIAN: "Techniciens de la DSI",
    Role.CASEWORKER: "Référents du programme",
    Role.ADMIN: "Administrateurs du programme",
}
PERMISSIONS_FR = {
    Permission.FAMILY_DEVICES: "attribuer, remettre et reprendre le matériel",
    Permission.PERSONAL_DATA: "lire et modifier les données personnelles des foyers",
    Permission.COMMITTEE: "préparer la commission et enregistrer ses décisions",
    Permission.DOCUMENTS: "imprimer contrats et procès-verbaux (nominatifs)",
    Permission.PAYMENTS: "enregistrer paiements et formations",
    Permission.RENEWALS: "renouveler les contrats",
    Permission.PURGE: "anonymiser les foyers (effacement)",
    Permission.STAFF: "gérer les rôles des agents",
}
CONTACTS_FR = {
    Contact.FORM: "diagnostic ou mise à jour du formulaire",
    Contact.DECISION: "décision de la commission",
    Contact.CONTRACT: "remise, signature, renouvellement, retour ou annulation d'un contrat",
    Contact.PAYMENT: "paiement",
    Contact.TRAINING: "formation suivie",
    Contact.CALL: "appel",
    Contact.VISIT: "visite",
    Contact.MESSAGE: "message",
}


def check_described() -> None:
    """Refuse to describe the processing if a field of the form has no description."""
    missing = [f for f in PERSONAL_FIELDS if f not in PERSONAL_FR]
    missing += [f for f in FACT_FIELDS if f not in FACTS_FR]
    if missing:
        raise ConfigError(
            f"the register does not describe the form's field(s) {', '.join(missing)}: "
            "add them to assetctl.gdpr before printing it"
        )


def processing_record(settings: Settings) -> dict[str, Any]:
    """What the register entry and the impact assessment say, from the configuration and the
    schema."""
    check_described()
    months = settings.programme.purge_after_months
    return {
        "organisation": settings.organisation or "(organisation à renseigner : assetctl init)",
        "dpo": settings.dpo or "à compléter",
        "processing": PROCESSING,
        "purposes": [
            "instruire les demandes des familles (diagnostic de l'équipement numérique du foyer)",
            "préparer et tracer les décisions de la commission d'attribution",
            "remettre, suivre et reprendre le matériel (contrats de don, de prêt ou de "
            "location, paiements, formations, retours)",
            "évaluer le programme par des indicateurs anonymes (comptages par quartier, "
            "établissement, mode et type de matériel)",
        ],
        "legal_basis": "mission d'intérêt public dont est investi le responsable du "
        "traitement (article 6, paragraphe 1, point e du RGPD), dans le cadre du Programme "
        "de Réussite Éducative",
        "people": ["représentants légaux des foyers", "enfants scolarisés du foyer"],
        "personal": [(code, PERSONAL_FR[code]) for code in PERSONAL_FIELDS],
        "facts": [(code, FACTS_FR[code]) for code in FACT_FIELDS],
        "device_data": [
            "mots de passe initiaux des comptes de l'ordinateur remis, scellés, détruits à la "
            "signature du contrat",
            "numéro d'étiquette et de série du matériel remis",
        ],
        "recipients": [
            (ROLES_FR[role], [PERMISSIONS_FR[p] for p in Permission if p in GRANTS[role]])
            for role in Role
        ],
        "committee": "membres de la commission : procès-verbal par référence de foyer, sans nom",
        "transfers": "aucun transfert hors de l'Union européenne ; base de données hébergée "
        "par l'organisation (SQLite sur le poste, ou PostgreSQL sur ses serveurs)",
        "retention_months": months,
        "retention": [
            f"données personnelles des foyers : {months} mois après le dernier contact du foyer "
            "avec le programme (référentiel de la CNIL pour l'accompagnement social : deux ans), "
            "puis effacement (`assetctl household purge`)",
            "faits anonymes (quartier, établissement, équipement, contrats) : conservés pour "
            "l'évaluation, sans donnée identifiante",
            "mots de passe initiaux : détruits à la signature du contrat",
            "journal des accès : conservé ; il ne contient que des noms de champs, aucune valeur",
        ],
        "contacts": [CONTACTS_FR[c] for c in Contact],
        "measures": [
            "données personnelles scellées au repos (boîtes scellées libsodium) avec la clé du "
            "programme, dont la partie privée est un fichier chiffré par phrase de passe "
            "(Argon2id) détenu par les référents : une copie de la base ne contient aucune "
            "donnée personnelle lisible",
            "droits par rôle (technicien, référent, administrateur) ; sur PostgreSQL, rôles de "
            "la base eux-mêmes, les lectures de données scellées passant par une fonction qui "
            "les journalise",
            "journal de chaque lecture, modification, export et effacement (agent, rôle, "
            "champs, motif), sans valeur",
            "fichiers produits (contrats, exports) lisibles du seul utilisateur (mode 0600)",
            "matériel effacé avec certificat (NIST SP 800-88) et réinstallé avant toute "
            "remise : aucune donnée d'une famille ne passe à la suivante",
            "compte enfant sans droits d'administration, filtrage DNS et limites de temps "
            "sur les ordinateurs remis",
        ],
        "rights": [
            ("information", "paragraphe « Données personnelles » du contrat remis à la famille"),
            ("accès et portabilité", "`assetctl household export` : tout ce qui est conservé"),
            ("rectification", "`assetctl household edit`"),
            (
                "effacement",
                "`assetctl household purge` à l'échéance ; une demande anticipée est "
                "à instruire par le délégué à la protection des données",
            ),
        ],
    }
