// Package model is chatd's vocabulary: the resources of the Twilio
// Programmable Chat API (Services, Roles, Users, Channels, Members, Messages,
// Invites, User Channels), the typed inputs of their operations with the
// checks that need no stored data, the service interfaces that the HTTP layer
// consumes, the Store/Tx seam that storage engines implement, and the Twilio
// error type.
//
// model imports only the standard library; package chat implements the
// services over a Store, package bolt implements the Store, package server
// speaks HTTP and package webhook sends the outbox. None of them import
// each other (chat uses package accesstoken to read access tokens, the
// HTTP front doors share internal/web, and server and chat write JSON with
// internal/jsonenc; these import only model or nothing of chatd): package
// internal/app wires them together. Package storetest imports only model, and nothing chatd or its test fixture chatdtest is
// built from imports a Twilio helper library, so that chatdtest stays cheap
// to import. layers_test.go holds the tree to this.
package model
