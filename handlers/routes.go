package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// route is one row of the routing table. A nil roles list means the route
// needs no login; otherwise the caller must be logged in with one of the
// roles (and the handler then checks what they may do with the document).
//
// The path declares the query parameters the route reads after a "?",
// separated by "&" ("/api/v1/users?limit&after"); the router refuses any
// other with 400, so an API route that declares none takes no query at
// all. Browser pages are lenient: they ignore parameters they do not read.
type route struct {
	method string
	path   string
	roles  []models.Role
	handle func(c *gin.Context) error
}

// routes is every route the server answers, in one table. It stays one
// long function on purpose: a table read top to bottom, where splitting
// would only scatter the routes.
func (s *Server) routes() []route {
	const api = "/api/v1"
	var (
		public      []models.Role
		anyone      = []models.Role{models.RoleCoordinator, models.RoleTrainer, models.RoleClinic}
		coordinator = []models.Role{models.RoleCoordinator}
		// A trainer is limited to their own profile by the handler.
		coordinatorTrainer = []models.Role{models.RoleCoordinator, models.RoleTrainer}
		// A clinic is limited to its own documents by the handler.
		coordinatorClinic = []models.Role{models.RoleCoordinator, models.RoleClinic}
	)
	return []route{
		{http.MethodGet, "/healthz", public, s.healthz},
		{http.MethodGet, "/readyz", public, s.readyz},
		{http.MethodGet, api + "/openapi.json", public, s.openAPIDocument},

		{http.MethodPost, api + "/auth/login", public, s.login},
		{http.MethodPost, api + "/auth/logout", anyone, s.logout},
		{http.MethodGet, api + "/me", anyone, s.me},
		{http.MethodGet, api + "/tokens", anyone, s.listTokens},
		{http.MethodPost, api + "/tokens", anyone, s.createToken},
		{http.MethodDelete, api + "/tokens/:id", anyone, s.deleteToken},

		{http.MethodGet, api + "/trainers?skill&limit&after", coordinator, s.listTrainers},
		{http.MethodPost, api + "/trainers", coordinator, s.createTrainer},
		{http.MethodGet, api + "/trainers/:id", coordinatorTrainer, s.getTrainer},
		{http.MethodPut, api + "/trainers/:id", coordinator, s.updateTrainer},
		{http.MethodDelete, api + "/trainers/:id", coordinator, s.deleteTrainer},
		{http.MethodGet, api + "/trainers/:id/availability", coordinatorTrainer, s.getAvailability},
		{http.MethodPut, api + "/trainers/:id/availability", coordinatorTrainer, s.putAvailability},

		{http.MethodGet, api + "/clinics?district&limit&after", coordinatorTrainer, s.listClinics},
		{http.MethodPost, api + "/clinics", coordinator, s.createClinic},
		{http.MethodGet, api + "/clinics/:id", anyone, s.getClinic},
		{http.MethodPut, api + "/clinics/:id", coordinatorClinic, s.updateClinic},
		{http.MethodDelete, api + "/clinics/:id", coordinator, s.deleteClinic},

		{http.MethodGet, api + "/requests?status&clinic_id&week&priority&kind&limit&after", anyone, s.listRequests},
		{http.MethodPost, api + "/requests", coordinatorClinic, s.createRequest},
		{http.MethodGet, api + "/requests/:id", anyone, s.getRequest},
		{http.MethodPut, api + "/requests/:id", coordinatorClinic, s.updateRequest},
		{http.MethodPost, api + "/requests/:id/status", coordinatorClinic, s.setRequestStatus},

		{http.MethodGet, api + "/users?limit&after", coordinator, s.listUsers},
		{http.MethodPost, api + "/users", coordinator, s.createUser},
		{http.MethodGet, api + "/users/:id", coordinator, s.getUser},

		{http.MethodPost, api + "/plans/:week/run", coordinator, s.runPlan},
		{http.MethodGet, api + "/plans/:week", coordinator, s.getLatestPlan},
		{http.MethodGet, api + "/plans/:week/:version", coordinator, s.getPlan},
		{http.MethodPost, api + "/plans/:week/:version/publish", coordinator, s.publishPlan},
		{http.MethodGet, api + "/plans/:week/:version/diff?against", coordinator, s.planDiff},
		{http.MethodPost, api + "/plans/:week/:version/edits", coordinator, s.editPlan},
		{http.MethodGet, api + "/visits?week&trainer_id&clinic_id&status&limit&after", anyone, s.listVisits},
		{http.MethodGet, api + "/visits/:id", anyone, s.getVisit},
		{http.MethodPost, api + "/visits/:id/complete", coordinatorTrainer, s.completeVisit},
		{http.MethodGet, api + "/outbox?status&limit&after", coordinator, s.listOutbox},
		{http.MethodPost, api + "/outbox/:id/retry", coordinator, s.retryOutbox},
		{http.MethodGet, api + "/mailbox?limit&after", coordinator, s.listMailbox},
		{http.MethodGet, api + "/trainers/:id/feed-token", coordinatorTrainer, s.showFeedToken},
		{http.MethodPost, api + "/trainers/:id/feed-token", coordinatorTrainer, s.newFeedToken},
		{http.MethodGet, "/feeds/:token", public, s.trainerFeed},

		{http.MethodGet, api + "/trainers/:id/absences", coordinatorTrainer, s.listAbsences},
		{http.MethodPost, api + "/trainers/:id/absences", coordinatorTrainer, s.createAbsence},
		{http.MethodDelete, api + "/trainers/:id/absences/:absence", coordinatorTrainer, s.deleteAbsence},
		{http.MethodGet, api + "/change-requests?status&limit&after", coordinatorClinic, s.listChangeRequests},
		{http.MethodGet, api + "/requests/:id/change-requests?limit&after", coordinatorClinic, s.listRequestChanges},
		{http.MethodPost, api + "/requests/:id/change-requests", coordinatorClinic, s.createChangeRequest},
		{http.MethodPost, api + "/requests/:id/change-requests/:change/accept", coordinator, s.acceptChangeRequest},
		{http.MethodPost, api + "/requests/:id/change-requests/:change/decline", coordinator, s.declineChangeRequest},
		{http.MethodGet, api + "/audit?entity&entity_id&actor&since&limit&after&archived", coordinator, s.listAudit},

		// Browser pages (HTML; errors become friendly pages, an anonymous
		// caller is sent to /login?next=…). See pages.go.
		{http.MethodGet, "/static/:version/*path", public, s.serveStatic},
		{http.MethodGet, "/", anyone, s.homePage},
		{http.MethodGet, "/login", public, s.showLogin},
		{http.MethodPost, "/login", public, s.submitLogin},
		{http.MethodPost, "/logout", anyone, s.submitLogout},
		{http.MethodGet, "/account", anyone, s.showAccount},
		{http.MethodPost, "/account/password", anyone, s.changePassword},
		{http.MethodPost, "/account/lang", anyone, s.setLanguage},
		{http.MethodPost, "/account/tokens", anyone, s.createTokenPage},
		{http.MethodPost, "/account/tokens/:id/delete", anyone, s.revokeTokenPage},
		{http.MethodPost, "/account/feed", []models.Role{models.RoleTrainer}, s.newFeedPage},
		{http.MethodGet, "/week", []models.Role{models.RoleTrainer}, s.weekPage},
		{http.MethodGet, "/week/:monday", []models.Role{models.RoleTrainer}, s.weekPage},
		{http.MethodGet, "/requests", []models.Role{models.RoleClinic}, s.requestsPage},
		// The trainer's and clinic's pages (pages_trainer.go, pages_clinic.go).
		{http.MethodGet, "/visits/:id", anyone, s.visitPage},
		{http.MethodPost, "/visits/:id/complete", coordinatorTrainer, s.completeVisitPage},
		{http.MethodGet, "/availability", []models.Role{models.RoleTrainer}, s.availabilityPage},
		{http.MethodPost, "/availability", []models.Role{models.RoleTrainer}, s.saveAvailabilityPage},
		{http.MethodPost, "/requests", []models.Role{models.RoleClinic}, s.createRequestPage},
		{http.MethodGet, "/requests/new", []models.Role{models.RoleClinic}, s.newRequestPage},
		{http.MethodGet, "/requests/:id", []models.Role{models.RoleClinic}, s.requestPage},
		{http.MethodPost, "/requests/:id/cancel", []models.Role{models.RoleClinic}, s.cancelRequestPage},
		{http.MethodPost, "/requests/:id/change", []models.Role{models.RoleClinic}, s.changeRequestPage},
		{http.MethodPost, "/availability/absences", []models.Role{models.RoleTrainer}, s.addAbsencePage},
		{http.MethodPost, "/availability/absences/:absence/delete", []models.Role{models.RoleTrainer}, s.deleteAbsencePage},
		{http.MethodGet, "/board", coordinator, s.boardRedirect},
		{http.MethodGet, "/board/:monday", coordinator, s.boardPage},
		// Coordinator's admin and mail pages (pages_admin.go, pages_mail.go).
		{http.MethodGet, "/clinics", coordinator, s.clinicsPage},
		{http.MethodGet, "/clinics/new", coordinator, s.newClinicPage},
		{http.MethodPost, "/clinics", coordinator, s.createClinicPage},
		{http.MethodGet, "/clinics/:id", coordinator, s.editClinicPage},
		{http.MethodPost, "/clinics/:id", coordinator, s.updateClinicPage},
		{http.MethodPost, "/clinics/:id/delete", coordinator, s.deleteClinicPage},
		{http.MethodGet, "/trainers", coordinator, s.trainersPage},
		{http.MethodGet, "/trainers/new", coordinator, s.newTrainerPage},
		{http.MethodPost, "/trainers", coordinator, s.createTrainerPage},
		{http.MethodGet, "/trainers/:id", coordinator, s.editTrainerPage},
		{http.MethodPost, "/trainers/:id", coordinator, s.updateTrainerPage},
		{http.MethodPost, "/trainers/:id/delete", coordinator, s.deleteTrainerPage},
		{http.MethodGet, "/users", coordinator, s.usersPage},
		{http.MethodGet, "/users/new", coordinator, s.newUserPage},
		{http.MethodPost, "/users", coordinator, s.createUserPage},
		{http.MethodGet, "/users/:id", coordinator, s.editUserPage},
		{http.MethodPost, "/users/:id", coordinator, s.updateUserPage},
		{http.MethodPost, "/users/:id/deactivate", coordinator, s.setUserDisabledPage(true)},
		{http.MethodPost, "/users/:id/activate", coordinator, s.setUserDisabledPage(false)},
		{http.MethodGet, "/mailbox", coordinator, s.mailboxPage},
		{http.MethodGet, "/mailbox/:id", coordinator, s.mailMessagePage},
		{http.MethodGet, "/mailbox/:id/attachments/:n", coordinator, s.mailAttachmentFile},
		{http.MethodGet, "/outbox", coordinator, s.outboxPageView},
		{http.MethodPost, "/outbox/:id/retry", coordinator, s.retryOutboxPage},
		{http.MethodGet, "/audit", coordinator, s.auditPageView},
		{http.MethodPost, "/board/:monday/run", coordinator, s.runFromBoard},
		{http.MethodPost, "/board/:monday/edit", coordinator, s.editFromBoard},
		{http.MethodPost, "/board/:monday/publish", coordinator, s.publishFromBoard},
		{http.MethodGet, "/board/:monday/preview", coordinator, s.previewFromBoard},
		{http.MethodPost, "/board/:monday/change-requests/:id/:change/accept", coordinator, s.acceptFromBoard},
		{http.MethodPost, "/board/:monday/change-requests/:id/:change/decline", coordinator, s.declineFromBoard},
		{http.MethodPost, "/board/:monday/absences/:id/:absence/delete", coordinator, s.withdrawFromBoard},
		{http.MethodGet, "/plans/:monday", coordinator, s.plansPage},
	}
}

// router builds the Gin engine: explicit middleware, then the table.
func (s *Server) router() (*gin.Engine, error) {
	e := gin.New()
	// Client addresses (used by the login limiter) come from the connection,
	// never from X-Forwarded-For, which any client can forge.
	if err := e.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	// Handlers pass the gin.Context as context.Context; with the fallback it
	// carries the request's cancellation and deadline.
	e.ContextWithFallback = true
	e.RedirectTrailingSlash = false
	e.HandleMethodNotAllowed = true
	e.Use(withRequestID, s.observe, s.accessLog, s.recoverPanics, s.renderErrors, s.limit, s.limitBody, s.withLocation)
	e.NoRoute(handle(func(*gin.Context) error {
		return &statusError{status: http.StatusNotFound, detail: "no such endpoint"}
	}))
	e.NoMethod(handle(func(*gin.Context) error {
		return &statusError{status: http.StatusMethodNotAllowed, detail: "the endpoint does not take this method"}
	}))
	for _, r := range s.routes() {
		// The audit trail wraps every route, so a route added to the
		// table is audited without further ado.
		chain := []gin.HandlerFunc{s.auditTrail}
		if r.roles != nil {
			chain = append(chain, handle(s.authenticate), handle(allow(r.roles...)))
		}
		path, query := r.split()
		if !isPagePath(path) {
			// Pages read what they need and ignore the rest: links in
			// mail arrive with parameters that mail programs add.
			chain = append(chain, handle(onlyQuery(query)))
		}
		chain = append(chain, handle(r.handle))
		e.Handle(r.method, path, chain...)
	}
	return e, nil
}

// split parts the route's path from the query parameters it declares.
func (r route) split() (path string, query []string) {
	path, names, ok := strings.Cut(r.path, "?")
	if !ok {
		return path, nil
	}
	return path, strings.Split(names, "&")
}

// onlyQuery builds the check that refuses query parameters a route does
// not declare: the query counterpart of refusing unknown JSON fields, for
// every route in one place.
func onlyQuery(names []string) func(c *gin.Context) error {
	return func(c *gin.Context) error { return knownQuery(c.Request.URL.Query(), names...) }
}

// handle adapts an error-returning handler to Gin: the error goes to
// renderErrors and the chain stops.
func handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			_ = c.Error(err)
			c.Abort()
		}
	}
}
