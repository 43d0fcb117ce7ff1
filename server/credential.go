package server

import "github.com/julienschmidt/httprouter"

// credentialRoutes declares the account-level Credentials of API version v.
func (s *Server) credentialRoutes(r *httprouter.Router, v string) {}
