package model

// Names of the Sync objects a first-person client opens: chatd chooses them,
// following what the client SDK assumes (a Channel's document is
// "<CH sid>.channel"). The Client API hands them out and the Sync
// projection keeps the objects under the same names.

// SyncUserInfo is the map of a User's friendly name, attributes and
// reachability.
func SyncUserInfo(userSid string) string { return userSid + ".info" }

// SyncUserChannels is the map of a User's Channels, keyed by CH SID.
func SyncUserChannels(userSid string) string { return userSid + ".channels" }

// SyncChannel is the document of a Channel.
func SyncChannel(channelSid string) string { return channelSid + ".channel" }

// SyncMessages is the list of a Channel's Messages, by index.
func SyncMessages(channelSid string) string { return channelSid + ".messages" }

// SyncRoster is the map of a Channel's Members, keyed by MB SID.
func SyncRoster(channelSid string) string { return channelSid + ".roster" }
