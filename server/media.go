package server

import "github.com/julienschmidt/httprouter"

// mediaRoutes declares Twilio's media service (MCS) API.
func (s *Server) mediaRoutes(r *httprouter.Router) {}
