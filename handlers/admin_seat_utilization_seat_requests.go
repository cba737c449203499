package handlers

import "github.com/labstack/echo/v4"

// The Admin area's seat requests (self-managed): the seatScope of the
// instance's purchase around the shared screens (seat_requests.go).

// GET /admin/gitlab_duo/seat_utilization/seat_requests
func (s *Server) getAdminSeatRequests(c echo.Context) error {
	return s.inAdminSeats(c, s.showSeatRequests)
}

// POST /admin/gitlab_duo/seat_utilization/seat_requests/assign
func (s *Server) postAdminSeatRequestsAssign(c echo.Context) error {
	return s.inAdminSeats(c, s.assignSeatRequests)
}

// POST /admin/gitlab_duo/seat_utilization/seat_requests/decline
func (s *Server) postAdminSeatRequestsDecline(c echo.Context) error {
	return s.inAdminSeats(c, s.declineSeatRequest)
}

// POST /admin/gitlab_duo/seat_utilization/seat_requests/settings
func (s *Server) postAdminSeatRequestsSettings(c echo.Context) error {
	return s.inAdminSeats(c, s.saveSeatRequestSettings)
}

func (s *Server) inAdminSeats(c echo.Context, h func(echo.Context, seatScope) error) error {
	sc, err := s.adminSeatScope(c)
	if err != nil {
		return err
	}
	return h(c, sc)
}
