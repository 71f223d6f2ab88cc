<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr" sourcelanguage="en">
<context>
    <name>CallRenderer</name>
    <message>
        <source>%1 joined the meeting</source>
        <translation>%1 a rejoint la réunion</translation>
    </message>
    <message>
        <source>%1 left the meeting</source>
        <translation>%1 a quitté la réunion</translation>
    </message>
    <message>
        <source>%1 raised a hand</source>
        <translation>%1 a levé la main</translation>
    </message>
    <message>
        <source>You are sharing your screen.</source>
        <translation>Vous partagez votre écran.</translation>
    </message>
    <message>
        <source>Screen sharing stopped: what you shared can no longer be captured.</source>
        <translation>Le partage d’écran s’est arrêté&#xa0;: ce que vous partagiez ne peut plus être capturé.</translation>
    </message>
    <message>
        <source>%1&apos;s screen</source>
        <translation>Écran de %1</translation>
    </message>
    <message>
        <source>%1 is sharing their screen</source>
        <translation>%1 partage son écran</translation>
    </message>
    <message>
        <source>%1 stopped sharing their screen</source>
        <translation>%1 a arrêté de partager son écran</translation>
    </message>
</context>
<context>
    <name>CallView</name>
    <message>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <source>Connection lost. Reconnecting… Your microphone and camera stay as they were.</source>
        <translation>Connexion perdue. Reconnexion en cours… Votre micro et votre caméra restent dans leur état actuel.</translation>
    </message>
    <message>
        <source>Disconnected from the meeting.</source>
        <translation>La connexion à la réunion a été interrompue.</translation>
    </message>
    <message>
        <source>Captions of your voice are unavailable: no speech model is installed on this computer.</source>
        <translation>Les sous-titres de votre voix sont indisponibles&#xa0;: aucun modèle de reconnaissance vocale n’est installé sur cet ordinateur.</translation>
    </message>
    <message>
        <source>Captions of your voice stopped: %1</source>
        <translation>Les sous-titres de votre voix se sont arrêtés&#xa0;: %1</translation>
    </message>
    <message>
        <source>Your captions are on: your voice is transcribed on this computer.</source>
        <translation>Vos sous-titres sont activés&#xa0;: votre voix est transcrite sur cet ordinateur.</translation>
    </message>
    <message>
        <source>Screen sharing is not available in a Wayland session yet. Log in with an X11 (Xorg) session to share your screen.</source>
        <translation>Le partage d’écran n’est pas encore disponible dans une session Wayland. Ouvrez une session X11 (Xorg) pour partager votre écran.</translation>
    </message>
    <message>
        <source>Screen sharing needs a graphical session: no display was found.</source>
        <translation>Le partage d’écran demande une session graphique&#xa0;: aucun affichage n’a été trouvé.</translation>
    </message>
    <message>
        <source>Back to home</source>
        <translation>Retour à l’accueil</translation>
    </message>
    <message>
        <source>Leave this meeting screen and return to home</source>
        <translation>Quitter l’écran de la réunion et revenir à l’accueil</translation>
    </message>
    <message>
        <source>Side panel</source>
        <translation>Panneau latéral</translation>
    </message>
    <message>
        <source>Connection to the meeting</source>
        <translation>État de la connexion à la réunion</translation>
    </message>
    <message>
        <source>Get a speech model</source>
        <translation>Obtenir un modèle vocal</translation>
    </message>
    <message>
        <source>Choose and download a speech model so that your voice can be captioned</source>
        <translation>Choisir et télécharger un modèle de reconnaissance vocale pour sous-titrer votre voix</translation>
    </message>
    <message>
        <source>Captions status</source>
        <translation>État des sous-titres</translation>
    </message>
    <message>
        <source>Whether your own voice is captioned</source>
        <translation>Indique si votre voix est sous-titrée</translation>
    </message>
</context>
<context>
    <name>CaptionOverlay</name>
    <message>
        <source>Live captions</source>
        <translation>Sous-titres en direct</translation>
    </message>
    <message>
        <source>{speaker}: {text}</source>
        <translation>{speaker}&#xa0;: {text}</translation>
    </message>
</context>
<context>
    <name>ChatPanel</name>
    <message>
        <source>Chat messages</source>
        <translation>Messages de la discussion</translation>
    </message>
    <message>
        <source>Messages sent in this meeting</source>
        <translation>Messages envoyés pendant cette réunion</translation>
    </message>
    <message>
        <source>Write a message</source>
        <translation>Écrire un message</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>Type a message: Enter sends it, Shift+Enter starts a new line</source>
        <translation>Saisissez un message&#xa0;: Entrée pour l’envoyer, Maj+Entrée pour aller à la ligne</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Envoyer</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>Envoyer le message</translation>
    </message>
    <message>
        <source>Send the message to everyone in the meeting</source>
        <translation>Envoyer le message à tous les participants de la réunion</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Vous</translation>
    </message>
</context>
<context>
    <name>ControlBar</name>
    <message numerus="yes">
        <source>%n unread message(s)</source>
        <translation>
            <numerusform>%n message non lu</numerusform>
            <numerusform>%n messages non lus</numerusform>
        </translation>
    </message>
    <message>
        <source>Turn off microphone</source>
        <translation>Désactiver le micro</translation>
    </message>
    <message>
        <source>Turn on microphone</source>
        <translation>Activer le micro</translation>
    </message>
    <message>
        <source>Turn off camera</source>
        <translation>Désactiver la caméra</translation>
    </message>
    <message>
        <source>Turn on camera</source>
        <translation>Activer la caméra</translation>
    </message>
    <message>
        <source>Share screen</source>
        <translation>Partager l’écran</translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation>Arrêter le partage</translation>
    </message>
    <message>
        <source>Lower hand</source>
        <translation>Baisser la main</translation>
    </message>
    <message>
        <source>Raise hand</source>
        <translation>Lever la main</translation>
    </message>
    <message>
        <source>Send a reaction</source>
        <translation>Envoyer une réaction</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Discussion</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Participants</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Sous-titres</translation>
    </message>
    <message>
        <source>Transcript</source>
        <translation>Transcription</translation>
    </message>
    <message>
        <source>Speaker view</source>
        <translation>Vue intervenant</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Plein écran</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>Leave the meeting</source>
        <translation>Quitter la réunion</translation>
    </message>
    <message>
        <source>Microphone on or off</source>
        <translation>Activer ou désactiver le micro</translation>
    </message>
    <message>
        <source>Camera on or off</source>
        <translation>Activer ou désactiver la caméra</translation>
    </message>
    <message>
        <source>Raise or lower your hand</source>
        <translation>Lever ou baisser la main</translation>
    </message>
    <message>
        <source>Share your screen or stop sharing</source>
        <translation>Partager votre écran ou arrêter le partage</translation>
    </message>
    <message>
        <source>Reactions</source>
        <translation>Réactions</translation>
    </message>
    <message>
        <source>Meeting controls</source>
        <translation>Commandes de la réunion</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Quitter</translation>
    </message>
</context>
<context>
    <name>DeviceControl</name>
    <message>
        <source>%1 was connected</source>
        <translation>Appareil branché&#xa0;: %1</translation>
    </message>
    <message>
        <source>%1 was disconnected</source>
        <translation>Appareil débranché&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>HomeWidget</name>
    <message>
        <source>Visio</source>
        <translation>Visio</translation>
    </message>
    <message>
        <source>Secure meetings for public services</source>
        <translation>Réunions sécurisées pour les services publics</translation>
    </message>
    <message>
        <source>Join a meeting</source>
        <translation>Rejoindre une réunion</translation>
    </message>
    <message>
        <source>or</source>
        <translation>ou</translation>
    </message>
    <message>
        <source>Your meeting is ready. Share this link:</source>
        <translation>Votre réunion est prête. Partagez ce lien&#xa0;:</translation>
    </message>
    <message>
        <source>Recent meetings</source>
        <translation>Réunions récentes</translation>
    </message>
    <message>
        <source>Meetings you join will appear here.</source>
        <translation>Les réunions que vous rejoignez apparaîtront ici.</translation>
    </message>
    <message>
        <source>https://visio.example.gouv.fr/abc-defg-hij</source>
        <translation>https://visio.example.gouv.fr/abc-defg-hij</translation>
    </message>
    <message>
        <source>Visio logo</source>
        <translation>Logo de Visio</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Open the settings</source>
        <translation>Ouvrir les paramètres</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>What went wrong</source>
        <translation>Description du problème</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Hide this message</source>
        <translation>Masquer ce message</translation>
    </message>
    <message>
        <source>Meeting link</source>
        <translation>Lien de la réunion</translation>
    </message>
    <message>
        <source>Paste the link you received</source>
        <translation>Collez le lien que vous avez reçu</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Rejoindre</translation>
    </message>
    <message>
        <source>Join the meeting at this link</source>
        <translation>Rejoindre la réunion correspondant à ce lien</translation>
    </message>
    <message>
        <source>New meeting</source>
        <translation>Nouvelle réunion</translation>
    </message>
    <message>
        <source>Create a meeting and its link</source>
        <translation>Créer une réunion et son lien</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Serveur</translation>
    </message>
    <message>
        <source>Where new meetings are created</source>
        <translation>Serveur sur lequel les nouvelles réunions sont créées</translation>
    </message>
    <message>
        <source>New meeting link</source>
        <translation>Lien de la nouvelle réunion</translation>
    </message>
    <message>
        <source>The new meeting&apos;s link</source>
        <translation>Le lien à partager pour la nouvelle réunion</translation>
    </message>
    <message>
        <source>Join now</source>
        <translation>Rejoindre maintenant</translation>
    </message>
    <message>
        <source>Join the new meeting</source>
        <translation>Rejoindre la nouvelle réunion</translation>
    </message>
    <message>
        <source>Double-click to join</source>
        <translation>Double-cliquez pour rejoindre</translation>
    </message>
    <message>
        <source>Join the selected meeting</source>
        <translation>Rejoindre la réunion sélectionnée</translation>
    </message>
    <message>
        <source>This is not a meeting link: {reason}</source>
        <translation>Ce n’est pas un lien de réunion&#xa0;: {reason}</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Copié</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <source>Copy the link to the clipboard</source>
        <translation>Copier le lien dans le presse-papiers</translation>
    </message>
    <message>
        <source>Meeting {room} on {host}, {when}</source>
        <translation>Réunion {room} sur {host}, {when}</translation>
    </message>
    <message>
        <source>today {time}</source>
        <translation>aujourd’hui à {time}</translation>
    </message>
    <message>
        <source>yesterday {time}</source>
        <translation>hier à {time}</translation>
    </message>
</context>
<context>
    <name>HostActions</name>
    <message>
        <source>Mute all</source>
        <translation>Couper tous les micros</translation>
    </message>
    <message>
        <source>Mute everyone but the hosts</source>
        <translation>Couper le micro de tous sauf des organisateurs</translation>
    </message>
    <message>
        <source>Turn off every participant’s microphone</source>
        <translation>Couper le micro de chaque participant</translation>
    </message>
    <message>
        <source>Who can enter</source>
        <translation>Qui peut entrer</translation>
    </message>
    <message>
        <source>Anyone with the link</source>
        <translation>Toute personne ayant le lien</translation>
    </message>
    <message>
        <source>Lobby: a host lets people in</source>
        <translation>Salle d’attente&#xa0;: un organisateur fait entrer</translation>
    </message>
    <message>
        <source>Locked: nobody new can enter</source>
        <translation>Verrouillée&#xa0;: personne de nouveau ne peut entrer</translation>
    </message>
    <message>
        <source>Who can enter this meeting from now on</source>
        <translation>Qui peut entrer dans cette réunion désormais</translation>
    </message>
    <message>
        <source>Lock microphones</source>
        <translation>Verrouiller les micros</translation>
    </message>
    <message>
        <source>Participants cannot turn their microphone on; hosts still can</source>
        <translation>Les participants ne peuvent pas activer leur micro&#xa0;; les organisateurs le peuvent toujours</translation>
    </message>
</context>
<context>
    <name>HostWords</name>
    <message>
        <source>%1 did not let you in.</source>
        <translation>%1 ne vous a pas fait entrer.</translation>
    </message>
    <message>
        <source>The host did not let you in.</source>
        <translation>L’organisateur ne vous a pas fait entrer.</translation>
    </message>
    <message>
        <source>%1 removed you from the meeting.</source>
        <translation>%1 vous a retiré de la réunion.</translation>
    </message>
    <message>
        <source>A host removed you from the meeting.</source>
        <translation>Un organisateur vous a retiré de la réunion.</translation>
    </message>
    <message>
        <source>%1 ended the meeting for everyone.</source>
        <translation>%1 a mis fin à la réunion pour tous.</translation>
    </message>
    <message>
        <source>A host ended the meeting for everyone.</source>
        <translation>Un organisateur a mis fin à la réunion pour tous.</translation>
    </message>
    <message>
        <source>This meeting is locked: nobody new can enter.</source>
        <translation>Cette réunion est verrouillée&#xa0;: personne de nouveau ne peut entrer.</translation>
    </message>
    <message>
        <source>%1 muted your microphone.</source>
        <translation>%1 a coupé votre micro.</translation>
    </message>
    <message>
        <source>A host muted your microphone.</source>
        <translation>Un organisateur a coupé votre micro.</translation>
    </message>
    <message>
        <source>%1 turned off your camera.</source>
        <translation>%1 a désactivé votre caméra.</translation>
    </message>
    <message>
        <source>A host turned off your camera.</source>
        <translation>Un organisateur a désactivé votre caméra.</translation>
    </message>
    <message>
        <source>%1 stopped your screen sharing.</source>
        <translation>%1 a arrêté votre partage d’écran.</translation>
    </message>
    <message>
        <source>A host stopped your screen sharing.</source>
        <translation>Un organisateur a arrêté votre partage d’écran.</translation>
    </message>
    <message>
        <source>%1 lowered your hand.</source>
        <translation>%1 a baissé votre main.</translation>
    </message>
    <message>
        <source>A host lowered your hand.</source>
        <translation>Un organisateur a baissé votre main.</translation>
    </message>
    <message>
        <source>%1 made you a co-host.</source>
        <translation>%1 vous a nommé coorganisateur.</translation>
    </message>
    <message>
        <source>You are now a co-host.</source>
        <translation>Vous êtes maintenant coorganisateur.</translation>
    </message>
    <message>
        <source>%1 removed you as co-host.</source>
        <translation>%1 vous a retiré le rôle de coorganisateur.</translation>
    </message>
    <message>
        <source>You are no longer a co-host.</source>
        <translation>Vous n’êtes plus coorganisateur.</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Couper le micro</translation>
    </message>
    <message>
        <source>Stop video</source>
        <translation>Arrêter la vidéo</translation>
    </message>
    <message>
        <source>Stop screen sharing</source>
        <translation>Arrêter le partage d’écran</translation>
    </message>
    <message>
        <source>Lower hand</source>
        <translation>Baisser la main</translation>
    </message>
    <message>
        <source>Make co-host</source>
        <translation>Nommer coorganisateur</translation>
    </message>
    <message>
        <source>Remove co-host</source>
        <translation>Retirer le rôle de coorganisateur</translation>
    </message>
    <message>
        <source>Remove from meeting…</source>
        <translation>Retirer de la réunion…</translation>
    </message>
    <message>
        <source>%1 is waiting in the lobby</source>
        <translation>%1 attend dans la salle d’attente</translation>
    </message>
    <message>
        <source>A host has locked the microphones</source>
        <translation>Un organisateur a verrouillé les micros</translation>
    </message>
    <message>
        <source>A host has unlocked the microphones</source>
        <translation>Un organisateur a déverrouillé les micros</translation>
    </message>
    <message>
        <source>Remove %1 from the meeting? They cannot come back in.</source>
        <translation>Retirer %1 de la réunion&#xa0;? Cette personne ne pourra pas revenir.</translation>
    </message>
    <message>
        <source>End the meeting for everyone? Everyone will be sent out of it.</source>
        <translation>Mettre fin à la réunion pour tous&#xa0;? Tout le monde en sera sorti.</translation>
    </message>
    <message>
        <source>End meeting for everyone</source>
        <translation>Mettre fin à la réunion pour tous</translation>
    </message>
    <message>
        <source>Leave meeting</source>
        <translation>Quitter la réunion</translation>
    </message>
    <message>
        <source>Actions for %1</source>
        <translation>Actions pour %1</translation>
    </message>
</context>
<context>
    <name>HostingController</name>
    <message>
        <source>Waiting to join %1 – Visio</source>
        <translation>En attente pour rejoindre %1 – Visio</translation>
    </message>
    <message>
        <source>%1 – Visio</source>
        <translation>%1 – Visio</translation>
    </message>
</context>
<context>
    <name>LinkGate</name>
    <message>
        <source>This meeting is on %1. The meeting rules set by your IT department on this computer could not be read, so no meeting server is allowed until they are fixed. Ask your IT department.</source>
        <translation>Cette réunion a lieu sur %1. Les règles de réunion définies par votre service informatique sur cet ordinateur n’ont pas pu être lues&#xa0;: aucun serveur de réunion n’est autorisé tant qu’elles ne sont pas corrigées. Adressez-vous à votre service informatique.</translation>
    </message>
    <message>
        <source>This meeting is on %1, a server your organisation does not allow. On this computer, meetings are only allowed on: %2. Ask your IT department.</source>
        <translation>Cette réunion a lieu sur %1, un serveur que votre organisation n’autorise pas. Sur cet ordinateur, les réunions ne sont autorisées que sur&#xa0;: %2. Adressez-vous à votre service informatique.</translation>
    </message>
    <message>
        <source>This meeting is on %1, and your organisation allows no meeting server on this computer. Ask your IT department.</source>
        <translation>Cette réunion a lieu sur %1, et votre organisation n’autorise aucun serveur de réunion sur cet ordinateur. Adressez-vous à votre service informatique.</translation>
    </message>
    <message>
        <source>Your administrator allows meetings only on approved servers, so a meeting cannot be created on this computer.</source>
        <translation>Votre administrateur n’autorise les réunions que sur des serveurs approuvés, une réunion ne peut donc pas être créée sur cet ordinateur.</translation>
    </message>
    <message>
        <source>The meeting rules set by your IT department on this computer could not be read. Until they are fixed, meeting links are refused and captions are off. Please tell your IT department.</source>
        <translation>Les règles de réunion définies par votre service informatique sur cet ordinateur n’ont pas pu être lues. Tant qu’elles ne sont pas corrigées, les liens de réunion sont refusés et les sous-titres sont désactivés. Merci de prévenir votre service informatique.</translation>
    </message>
    <message>
        <source>Some of the meeting rules set by your IT department on this computer are not valid; the safest choice applies to them until they are fixed. Please tell your IT department.</source>
        <translation>Certaines règles de réunion définies par votre service informatique sur cet ordinateur ne sont pas valides&#xa0;; le choix le plus sûr s’applique à elles tant qu’elles ne sont pas corrigées. Merci de prévenir votre service informatique.</translation>
    </message>
</context>
<context>
    <name>LinkPrompt</name>
    <message>
        <source>Unknown meeting server</source>
        <translation>Serveur de réunion inconnu</translation>
    </message>
    <message>
        <source>This meeting is on a server your organisation has not approved:

%1

Join anyway?</source>
        <translation>Cette réunion a lieu sur un serveur que votre organisation n’a pas approuvé&#xa0;:

%1

Rejoindre quand même&#xa0;?</translation>
    </message>
    <message>
        <source>This meeting is on a server you have never used:

%1

Join anyway?</source>
        <translation>Cette réunion a lieu sur un serveur que vous n’avez jamais utilisé&#xa0;:

%1

Rejoindre quand même&#xa0;?</translation>
    </message>
    <message>
        <source>Join only if you trust the person who sent you this link and recognise the server’s name. Your camera and microphone will start off.</source>
        <translation>Ne rejoignez la réunion que si vous faites confiance à la personne qui vous a envoyé ce lien et si vous reconnaissez le nom du serveur. Votre caméra et votre micro seront coupés au départ.</translation>
    </message>
    <message>
        <source>Join anyway</source>
        <translation>Rejoindre quand même</translation>
    </message>
    <message>
        <source>Open the meeting, with your camera and microphone off</source>
        <translation>Ouvrir la réunion, caméra et micro coupés</translation>
    </message>
    <message>
        <source>Do not join</source>
        <translation>Ne pas rejoindre</translation>
    </message>
    <message>
        <source>Go back without opening the meeting</source>
        <translation>Revenir sans ouvrir la réunion</translation>
    </message>
</context>
<context>
    <name>LobbyPanel</name>
    <message>
        <source>Lobby</source>
        <translation>Salle d’attente</translation>
    </message>
    <message>
        <source>Admit all</source>
        <translation>Tout admettre</translation>
    </message>
    <message>
        <source>Admit everyone waiting</source>
        <translation>Admettre toutes les personnes en attente</translation>
    </message>
    <message>
        <source>Let everyone waiting into the meeting</source>
        <translation>Faire entrer dans la réunion toutes les personnes en attente</translation>
    </message>
    <message>
        <source>Deny all</source>
        <translation>Tout refuser</translation>
    </message>
    <message>
        <source>Deny everyone waiting</source>
        <translation>Refuser toutes les personnes en attente</translation>
    </message>
    <message>
        <source>Let nobody waiting in</source>
        <translation>Ne faire entrer aucune des personnes en attente</translation>
    </message>
    <message numerus="yes">
        <source>Waiting in the lobby (%n)</source>
        <translation>
            <numerusform>Dans la salle d’attente (%n)</numerusform>
            <numerusform>Dans la salle d’attente (%n)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Captions are turned off by your administrator</source>
        <translation>Les sous-titres sont désactivés par votre administrateur</translation>
    </message>
    <message>
        <source>New meetings are created on %1, as set by your administrator</source>
        <translation>Les nouvelles réunions sont créées sur %1, comme l’a défini votre administrateur</translation>
    </message>
    <message>
        <source>New meetings are created on %1</source>
        <translation>Les nouvelles réunions sont créées sur %1</translation>
    </message>
    <message>
        <source>New meetings are created on this computer&apos;s built-in server</source>
        <translation>Les nouvelles réunions sont créées sur le serveur intégré de cet ordinateur</translation>
    </message>
    <message>
        <source>Leave this meeting before joining another one.</source>
        <translation>Quittez cette réunion avant d’en rejoindre une autre.</translation>
    </message>
    <message>
        <source>Join %1 – Visio</source>
        <translation>Rejoindre %1 – Visio</translation>
    </message>
    <message>
        <source>No meeting server is available.</source>
        <translation>Aucun serveur de réunion n’est disponible.</translation>
    </message>
    <message>
        <source>No meeting could be created: %1</source>
        <translation>Aucune réunion n’a pu être créée : %1</translation>
    </message>
    <message>
        <source>Set by your administrator</source>
        <translation>Défini par votre administrateur</translation>
    </message>
    <message>
        <source>%1 – Visio</source>
        <translation>%1 – Visio</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>This is not a meeting link: %1</source>
        <translation>Ce n’est pas un lien de réunion&#xa0;: %1</translation>
    </message>
    <message>
        <source>Could not reach the meeting server %1. Check your network connection and the link, then try again.</source>
        <translation>Impossible de joindre le serveur de réunion %1. Vérifiez votre connexion réseau et le lien, puis réessayez.</translation>
    </message>
    <message>
        <source>This meeting is full. Ask the organiser to make room, then try again.</source>
        <translation>Cette réunion est complète. Demandez à l’organisateur de libérer une place, puis réessayez.</translation>
    </message>
    <message>
        <source>The meeting server is busy. Try again in a moment.</source>
        <translation>Le serveur de réunion est occupé. Réessayez dans un instant.</translation>
    </message>
    <message>
        <source>The meeting server %1 tried to send you to another server. For your safety, the connection was stopped. Tell your IT department.</source>
        <translation>Le serveur de réunion %1 a tenté de vous rediriger vers un autre serveur. Par sécurité, la connexion a été interrompue. Prévenez votre service informatique.</translation>
    </message>
    <message>
        <source>The meeting server %1 needs another version of this application. Ask your IT department to update it.</source>
        <translation>Le serveur de réunion %1 nécessite une autre version de cette application. Demandez à votre service informatique de la mettre à jour.</translation>
    </message>
    <message>
        <source>The meeting server refused to let you in: %1</source>
        <translation>Le serveur de réunion a refusé votre entrée&#xa0;: %1</translation>
    </message>
    <message>
        <source>%1 does not answer like a meeting server. Check the link.</source>
        <translation>%1 ne répond pas comme un serveur de réunion. Vérifiez le lien.</translation>
    </message>
    <message>
        <source>The connection to the meeting server %1 was lost. Try again.</source>
        <translation>La connexion au serveur de réunion %1 a été perdue. Réessayez.</translation>
    </message>
    <message>
        <source>Something went wrong: %1</source>
        <translation>Une erreur s’est produite&#xa0;: %1</translation>
    </message>
    <message>
        <source>The meeting server %1 has a security certificate that this computer does not trust, so the connection was stopped. If the server belongs to your organisation, ask your IT department to install its certificate authority.</source>
        <translation>Le serveur de réunion %1 présente un certificat de sécurité auquel cet ordinateur ne fait pas confiance&#xa0;; la connexion a donc été interrompue. Si ce serveur appartient à votre organisation, demandez à votre service informatique d’installer son autorité de certification.</translation>
    </message>
    <message>
        <source>The security certificate of the meeting server %1 was made out for another server name, so the connection was stopped. Check the link; if it is right, tell the server&apos;s administrators.</source>
        <translation>Le certificat de sécurité du serveur de réunion %1 a été établi pour un autre nom de serveur&#xa0;; la connexion a donc été interrompue. Vérifiez le lien&#xa0;; s’il est correct, prévenez les administrateurs du serveur.</translation>
    </message>
    <message>
        <source>The security certificate of the meeting server %1 has expired, or this computer&apos;s date is wrong, so the connection was stopped. Check the date and time of this computer; if they are right, tell the server&apos;s administrators.</source>
        <translation>Le certificat de sécurité du serveur de réunion %1 a expiré, ou la date de cet ordinateur est fausse&#xa0;; la connexion a donc été interrompue. Vérifiez la date et l’heure de cet ordinateur&#xa0;; si elles sont justes, prévenez les administrateurs du serveur.</translation>
    </message>
    <message>
        <source>The meeting server %1 refused the connection: it may not be running. Check the link, or try again later.</source>
        <translation>Le serveur de réunion %1 a refusé la connexion&#xa0;: il n’est peut-être pas démarré. Vérifiez le lien, ou réessayez plus tard.</translation>
    </message>
    <message>
        <source>Your camera could not be started. Check that it is connected and that no other application is using it.</source>
        <translation>Impossible de démarrer votre caméra. Vérifiez qu’elle est branchée et qu’aucune autre application ne l’utilise.</translation>
    </message>
    <message>
        <source>Your microphone could not be started. Check that it is connected and that no other application is using it.</source>
        <translation>Impossible de démarrer votre micro. Vérifiez qu’il est branché et qu’aucune autre application ne l’utilise.</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Your administrator has blocked speech model downloads on this computer. Ask your IT department to install a model.</source>
        <translation>Votre administrateur a bloqué le téléchargement des modèles de reconnaissance vocale sur cet ordinateur. Demandez à votre service informatique d’installer un modèle.</translation>
    </message>
    <message>
        <source>installed</source>
        <translation>installé</translation>
    </message>
    <message>
        <source>not installed</source>
        <translation>non installé</translation>
    </message>
    <message>
        <source>Its checksums are not known yet: it cannot be fetched</source>
        <translation>Ses sommes de contrôle ne sont pas encore connues&#xa0;: il ne peut pas être téléchargé</translation>
    </message>
    <message>
        <source>Downloading…</source>
        <translation>Téléchargement…</translation>
    </message>
    <message>
        <source>The model was not installed: %1</source>
        <translation>Le modèle n’a pas été installé&#xa0;: %1</translation>
    </message>
    <message>
        <source>The model is installed. Captions can be turned on.</source>
        <translation>Le modèle est installé. Les sous-titres peuvent être activés.</translation>
    </message>
    <message>
        <source>Stopping the download…</source>
        <translation>Arrêt du téléchargement…</translation>
    </message>
    <message>
        <source>Speech models for captions</source>
        <translation>Modèles vocaux pour les sous-titres</translation>
    </message>
    <message>
        <source>Captions are made on this computer by a speech model: your voice never leaves it. Choose a model to download; nothing is fetched unless you ask.</source>
        <translation>Les sous-titres sont produits sur cet ordinateur par un modèle de reconnaissance vocale&#xa0;: votre voix n’en sort jamais. Choisissez un modèle à télécharger&#xa0;; rien n’est téléchargé sans votre demande.</translation>
    </message>
    <message>
        <source>Speech models</source>
        <translation>Modèles vocaux</translation>
    </message>
    <message>
        <source>Known speech models, and whether they are installed</source>
        <translation>Modèles vocaux connus, et s’ils sont installés</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Télécharger</translation>
    </message>
    <message>
        <source>Download the chosen model</source>
        <translation>Télécharger le modèle choisi</translation>
    </message>
    <message>
        <source>Download the chosen model, checking its checksum</source>
        <translation>Télécharger le modèle choisi en vérifiant sa somme de contrôle</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>Annuler le téléchargement</translation>
    </message>
    <message>
        <source>Stop the download; nothing is kept</source>
        <translation>Arrêter le téléchargement&#xa0;; rien n’est conservé</translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation>Progression du téléchargement</translation>
    </message>
    <message>
        <source>How much of the model has arrived</source>
        <translation>Part du modèle déjà reçue</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message>
        <source>Notifications</source>
        <translation>Notifications</translation>
    </message>
</context>
<context>
    <name>ParticipantsPanel</name>
    <message>
        <source>Participants</source>
        <translation>Participants</translation>
    </message>
    <message>
        <source>People in this meeting</source>
        <translation>Personnes présentes dans cette réunion</translation>
    </message>
    <message>
        <source>Actions for %1</source>
        <translation>Actions pour %1</translation>
    </message>
    <message>
        <source>Actions for the selected participant</source>
        <translation>Actions pour le participant sélectionné</translation>
    </message>
    <message>
        <source>Host actions: mute, stop the video of or remove this participant</source>
        <translation>Actions d’organisateur&#xa0;: couper le micro, arrêter la vidéo ou retirer ce participant</translation>
    </message>
    <message>
        <source>{name} (you)</source>
        <translation>{name} (vous)</translation>
    </message>
    <message>
        <source>host</source>
        <translation>organisateur</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>coorganisateur</translation>
    </message>
    <message>
        <source>hand raised</source>
        <translation>main levée</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>micro coupé</translation>
    </message>
    <message>
        <source>camera off</source>
        <translation>caméra désactivée</translation>
    </message>
    <message>
        <source>sharing screen</source>
        <translation>partage son écran</translation>
    </message>
    <message>
        <source>{name} — {states}</source>
        <translation>{name} — {states}</translation>
    </message>
    <message numerus="yes">
        <source>Participants (%n)</source>
        <translation>
            <numerusform>Participants (%n)</numerusform>
            <numerusform>Participants (%n)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PreJoinWidget</name>
    <message>
        <source>Meeting %1 on %2</source>
        <translation>Réunion %1 sur %2</translation>
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
    <message>
        <source>Joining…</source>
        <translation>Connexion…</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Rejoindre</translation>
    </message>
    <message>
        <source>Turn off camera</source>
        <translation>Désactiver la caméra</translation>
    </message>
    <message>
        <source>Turn on camera</source>
        <translation>Activer la caméra</translation>
    </message>
    <message>
        <source>Turn off microphone</source>
        <translation>Désactiver le micro</translation>
    </message>
    <message>
        <source>Turn on microphone</source>
        <translation>Activer le micro</translation>
    </message>
    <message>
        <source>Ready to join?</source>
        <translation>Prêt à rejoindre&#xa0;?</translation>
    </message>
    <message>
        <source>Your &amp;name</source>
        <translation>Votre &amp;nom</translation>
    </message>
    <message>
        <source>&amp;Camera</source>
        <translation>&amp;Caméra</translation>
    </message>
    <message>
        <source>&amp;Microphone</source>
        <translation>&amp;Microphone</translation>
    </message>
    <message>
        <source>&amp;Speaker</source>
        <translation>&amp;Haut-parleur</translation>
    </message>
    <message>
        <source>The name others will see</source>
        <translation>Le nom que verront les autres participants</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Votre nom</translation>
    </message>
    <message>
        <source>The name others will see in the meeting</source>
        <translation>Le nom que verront les autres participants de la réunion</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Which camera to use</source>
        <translation>Caméra à utiliser</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microphone</translation>
    </message>
    <message>
        <source>Which microphone to use</source>
        <translation>Microphone à utiliser</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Haut-parleur</translation>
    </message>
    <message>
        <source>Where to hear the meeting</source>
        <translation>Haut-parleur ou casque pour écouter la réunion</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>Niveau du micro</translation>
    </message>
    <message>
        <source>How loud your microphone is</source>
        <translation>Volume capté par votre micro</translation>
    </message>
    <message>
        <source>Join the meeting</source>
        <translation>Rejoindre la réunion</translation>
    </message>
    <message>
        <source>Join the meeting (Enter)</source>
        <translation>Rejoindre la réunion (Entrée)</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Back to home</source>
        <translation>Retour à l’accueil</translation>
    </message>
    <message>
        <source>Return to the home screen without joining</source>
        <translation>Revenir à l’écran d’accueil sans rejoindre la réunion</translation>
    </message>
</context>
<context>
    <name>ScreenPicker</name>
    <message>
        <source>Share your screen</source>
        <translation>Partager votre écran</translation>
    </message>
    <message>
        <source>Choose what the others will see.</source>
        <translation>Choisissez ce que les autres verront.</translation>
    </message>
    <message>
        <source>Screens and windows</source>
        <translation>Écrans et fenêtres</translation>
    </message>
    <message>
        <source>A whole screen, or one window</source>
        <translation>Un écran entier, ou une seule fenêtre</translation>
    </message>
    <message>
        <source>&amp;Share</source>
        <translation>&amp;Partager</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>Partager</translation>
    </message>
    <message>
        <source>Start sharing what is selected</source>
        <translation>Commencer à partager la sélection</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Do not share anything</source>
        <translation>Ne rien partager</translation>
    </message>
    <message>
        <source>Screens</source>
        <translation>Écrans</translation>
    </message>
    <message>
        <source>Entire screen</source>
        <translation>Écran entier</translation>
    </message>
    <message>
        <source>Windows (looking for them…)</source>
        <translation>Fenêtres (recherche en cours…)</translation>
    </message>
    <message>
        <source>Windows</source>
        <translation>Fenêtres</translation>
    </message>
    <message>
        <source>Windows (none found)</source>
        <translation>Fenêtres (aucune trouvée)</translation>
    </message>
</context>
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
        <source>Send &amp;HD video (1280 × 720)</source>
        <translation>Envoyer la &amp;vidéo en HD (1280 × 720)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <source>French or English (detected)</source>
        <translation>Français ou anglais (détecté)</translation>
    </message>
    <message>
        <source>&amp;I speak:</source>
        <translation>&amp;Je parle&#xa0;:</translation>
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
        <source>Language I speak</source>
        <translation>Langue que je parle</translation>
    </message>
    <message>
        <source>The language of your voice, for your own captions</source>
        <translation>La langue de votre voix, pour vos propres sous-titres</translation>
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
        <source>Send HD video</source>
        <translation>Envoyer la vidéo en HD</translation>
    </message>
    <message>
        <source>Sharper video for the others, for more processor and network use</source>
        <translation>Une image plus nette pour les autres, au prix de plus de calcul et de réseau</translation>
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
<context>
    <name>SharingBar</name>
    <message>
        <source>You are sharing your screen with everyone.</source>
        <translation>Vous partagez votre écran avec tout le monde.</translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation>Arrêter le partage</translation>
    </message>
    <message>
        <source>Stop sharing your screen</source>
        <translation>Arrêter de partager votre écran</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>Raccourci</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
</context>
<context>
    <name>TileGrid</name>
    <message>
        <source>Participants&apos; videos</source>
        <translation>Vidéos des participants</translation>
    </message>
</context>
<context>
    <name>TranscriptPanel</name>
    <message>
        <source>Transcript</source>
        <translation>Transcription</translation>
    </message>
    <message>
        <source>Everything said in this meeting, with live captions</source>
        <translation>Tout ce qui a été dit pendant cette réunion, d’après les sous-titres en direct</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copier</translation>
    </message>
    <message>
        <source>Copy transcript</source>
        <translation>Copier la transcription</translation>
    </message>
    <message>
        <source>Copy the transcript to the clipboard</source>
        <translation>Copier la transcription dans le presse-papiers</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Enregistrer…</translation>
    </message>
    <message>
        <source>Save the transcript</source>
        <translation>Enregistrer la transcription</translation>
    </message>
    <message>
        <source>Save the transcript as a text file or as subtitles (.srt, .vtt)</source>
        <translation>Enregistrer la transcription dans un fichier texte ou en sous-titres (.srt, .vtt)</translation>
    </message>
    <message>
        <source>Transcript saving</source>
        <translation>Enregistrement de la transcription</translation>
    </message>
    <message>
        <source>Where the transcript was saved</source>
        <translation>Emplacement de la transcription enregistrée</translation>
    </message>
    <message>
        <source>Still being recognised</source>
        <translation>Reconnaissance en cours</translation>
    </message>
    <message>
        <source>[{time}] {text}</source>
        <translation>[{time}] {text}</translation>
    </message>
    <message>
        <source>[{time}] {speaker}: {text}</source>
        <translation>[{time}] {speaker}&#xa0;: {text}</translation>
    </message>
    <message>
        <source>Text (*.txt)</source>
        <translation>Texte (*.txt)</translation>
    </message>
    <message>
        <source>Subtitles (*.srt)</source>
        <translation>Sous-titres (*.srt)</translation>
    </message>
    <message>
        <source>Web subtitles (*.vtt)</source>
        <translation>Sous-titres web (*.vtt)</translation>
    </message>
    <message>
        <source>Could not save the transcript: %1</source>
        <translation>Impossible d’enregistrer la transcription&#xa0;: %1</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Enregistrée dans %1</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (vous)</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>Détacher</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>Épingler</translation>
    </message>
    <message>
        <source>Mute for me</source>
        <translation>Couper le son pour moi</translation>
    </message>
    <message>
        <source>Volume 50%</source>
        <translation>Volume 50&#xa0;%</translation>
    </message>
    <message>
        <source>Volume 100%</source>
        <translation>Volume 100&#xa0;%</translation>
    </message>
    <message>
        <source>Volume 150%</source>
        <translation>Volume 150&#xa0;%</translation>
    </message>
    <message>
        <source>shared screen</source>
        <translation>écran partagé</translation>
    </message>
    <message>
        <source>%1 — double-click to pin</source>
        <translation>%1 — double-cliquez pour épingler</translation>
    </message>
    <message>
        <source>Video of %1</source>
        <translation>Vidéo de %1</translation>
    </message>
    <message>
        <source>microphone on</source>
        <translation>micro activé</translation>
    </message>
    <message>
        <source>microphone off</source>
        <translation>micro coupé</translation>
    </message>
    <message>
        <source>camera on</source>
        <translation>caméra activée</translation>
    </message>
    <message>
        <source>camera off</source>
        <translation>caméra désactivée</translation>
    </message>
    <message>
        <source>hand raised</source>
        <translation>main levée</translation>
    </message>
    <message>
        <source>speaking</source>
        <translation>en train de parler</translation>
    </message>
    <message>
        <source>%1 — double-click to pin, right-click for the volume</source>
        <translation>%1 — double-cliquez pour épingler, clic droit pour le volume</translation>
    </message>
</context>
<context>
    <name>WaitingWidget</name>
    <message>
        <source>Waiting for a host to let you in</source>
        <translation>En attente qu’un organisateur vous fasse entrer</translation>
    </message>
    <message>
        <source>Meeting %1 on %2</source>
        <translation>Réunion %1 sur %2</translation>
    </message>
    <message>
        <source>Meeting %1</source>
        <translation>Réunion %1</translation>
    </message>
    <message>
        <source>You will appear as %1</source>
        <translation>Vous apparaîtrez sous le nom %1</translation>
    </message>
    <message>
        <source>Your camera</source>
        <translation>Votre caméra</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <source>Leave the lobby</source>
        <translation>Quitter la salle d’attente</translation>
    </message>
    <message>
        <source>Stop waiting and return to home</source>
        <translation>Arrêter d’attendre et revenir à l’accueil</translation>
    </message>
    <message>
        <source>Waiting room</source>
        <translation>Salle d’attente</translation>
    </message>
</context>
<context>
    <name>_Pager</name>
    <message>
        <source>Page %1 of %2</source>
        <translation>Page %1 sur %2</translation>
    </message>
    <message>
        <source>Previous page</source>
        <translation>Page précédente</translation>
    </message>
    <message>
        <source>Previous page of participants</source>
        <translation>Page précédente des participants</translation>
    </message>
    <message>
        <source>Next page</source>
        <translation>Page suivante</translation>
    </message>
    <message>
        <source>Next page of participants</source>
        <translation>Page suivante des participants</translation>
    </message>
</context>
<context>
    <name>_Row</name>
    <message>
        <source>Admit</source>
        <translation>Admettre</translation>
    </message>
    <message>
        <source>Admit %1</source>
        <translation>Admettre %1</translation>
    </message>
    <message>
        <source>Let %1 into the meeting</source>
        <translation>Faire entrer %1 dans la réunion</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>Refuser</translation>
    </message>
    <message>
        <source>Deny %1</source>
        <translation>Refuser %1</translation>
    </message>
    <message>
        <source>Do not let %1 in</source>
        <translation>Ne pas faire entrer %1</translation>
    </message>
</context>
</TS>
