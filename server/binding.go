package server

import "github.com/julienschmidt/httprouter"

// bindingRoutes declares the v2 Bindings and chatd's route that creates them.
func (s *Server) bindingRoutes(r *httprouter.Router) {}
