package handlers

import "github.com/labstack/echo/v4"

// A top-level group's seat requests (GitLab.com): the group's seatScope
// around the shared screens (seat_requests.go).

// GET /groups/:path/-/usage_quotas/gitlab_duo/seat_requests
func (s *Server) getGroupSeatRequests(c echo.Context) error {
	return s.inGroupSeats(c, s.showSeatRequests)
}

// POST /groups/:path/-/usage_quotas/gitlab_duo/seat_requests/assign
func (s *Server) postGroupSeatRequestsAssign(c echo.Context) error {
	return s.inGroupSeats(c, s.assignSeatRequests)
}

// POST /groups/:path/-/usage_quotas/gitlab_duo/seat_requests/decline
func (s *Server) postGroupSeatRequestsDecline(c echo.Context) error {
	return s.inGroupSeats(c, s.declineSeatRequest)
}

// POST /groups/:path/-/usage_quotas/gitlab_duo/seat_requests/settings
func (s *Server) postGroupSeatRequestsSettings(c echo.Context) error {
	return s.inGroupSeats(c, s.saveSeatRequestSettings)
}

func (s *Server) inGroupSeats(c echo.Context, h func(echo.Context, seatScope) error) error {
	sc, err := s.groupSeatScope(c)
	if err != nil {
		return err
	}
	return h(c, sc)
}
