package server

import "github.com/julienschmidt/httprouter"

// channelWebhookRoutes declares the v2 Channel webhooks.
func (s *Server) channelWebhookRoutes(r *httprouter.Router) {}
