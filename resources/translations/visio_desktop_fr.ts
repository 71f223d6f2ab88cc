<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr" sourcelanguage="en">
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Sous-titres</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Périphériques</translation>
    </message>
    <message>
        <source>Meeting server</source>
        <translation>Serveur de réunion</translation>
    </message>
    <message>
        <source>Some settings are set by your administrator and cannot be changed here.</source>
        <translation>Certains paramètres sont définis par votre administrateur et ne peuvent pas être modifiés ici.</translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation>&amp;Nom affiché&#xa0;:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Langue&#xa0;:</translation>
    </message>
    <message>
        <source>Caption text &amp;size:</source>
        <translation>&amp;Taille des sous-titres&#xa0;:</translation>
    </message>
    <message>
        <source>C&amp;amera:</source>
        <translation>&amp;Caméra&#xa0;:</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Microphone&#xa0;:</translation>
    </message>
    <message>
        <source>S&amp;peaker:</source>
        <translation>&amp;Haut-parleur&#xa0;:</translation>
    </message>
    <message>
        <source>Ser&amp;ver address:</source>
        <translation>A&amp;dresse du serveur&#xa0;:</translation>
    </message>
    <message>
        <source>Show live &amp;captions</source>
        <translation>Afficher les &amp;sous-titres en direct</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <source> pt</source>
        <translation>&#xa0;pt</translation>
    </message>
    <message>
        <source>Built-in server</source>
        <translation>Serveur intégré</translation>
    </message>
    <message>
        <source>Enter an address such as https://visio.example.org (http:// only for this computer).</source>
        <translation>Saisissez une adresse comme https://visio.example.org (http:// uniquement pour cet ordinateur).</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Nom affiché</translation>
    </message>
    <message>
        <source>The name other participants see</source>
        <translation>Le nom que voient les autres participants</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>Language of the application; “System language” follows your computer</source>
        <translation>Langue de l’application&#xa0;; «&#xa0;Langue du système&#xa0;» suit le réglage de votre ordinateur</translation>
    </message>
    <message>
        <source>Show live captions</source>
        <translation>Afficher les sous-titres en direct</translation>
    </message>
    <message>
        <source>Show live captions, computed on this computer</source>
        <translation>Afficher les sous-titres en direct, calculés sur cet ordinateur</translation>
    </message>
    <message>
        <source>Caption text size</source>
        <translation>Taille des sous-titres</translation>
    </message>
    <message>
        <source>Size of the caption text, in points</source>
        <translation>Taille du texte des sous-titres, en points</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Camera used in meetings</source>
        <translation>Caméra utilisée pendant les réunions</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microphone</translation>
    </message>
    <message>
        <source>Microphone used in meetings</source>
        <translation>Microphone utilisé pendant les réunions</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Haut-parleur</translation>
    </message>
    <message>
        <source>Speaker or headset used to hear meetings</source>
        <translation>Haut-parleur ou casque utilisé pour écouter les réunions</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Adresse du serveur</translation>
    </message>
    <message>
        <source>Address of the meeting server; leave empty to use the built-in server</source>
        <translation>Adresse du serveur de réunion&#xa0;; laissez vide pour utiliser le serveur intégré</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>Défini par votre administrateur</translation>
    </message>
    <message>
        <source>Server address error</source>
        <translation>Erreur dans l’adresse du serveur</translation>
    </message>
    <message>
        <source>Settings set by your administrator</source>
        <translation>Paramètres définis par votre administrateur</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Save the settings and close</source>
        <translation>Enregistrer les paramètres et fermer</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Close without saving</source>
        <translation>Fermer sans enregistrer</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Par défaut du système</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device} (non connecté)</translation>
    </message>
    <message>
        <source>No camera found</source>
        <translation>Aucune caméra détectée</translation>
    </message>
    <message>
        <source>No microphone found</source>
        <translation>Aucun microphone détecté</translation>
    </message>
    <message>
        <source>No speaker found</source>
        <translation>Aucun haut-parleur détecté</translation>
    </message>
</context>
</TS>
