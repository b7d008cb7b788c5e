package seed

// valueKind says how a datapoint's value is drawn for an indicator.
type valueKind int

const (
	kindTarget     valueKind = iota // the location's target population
	kindVaccinated                  // target × coverage
	kindMissed                      // target − vaccinated
	kindCoverage                    // the campaign's coverage at the location, 0..1
	kindRare                        // a count that is mostly 0 (cases)
	kindCount                       // a count up to a fraction of the target population, sometimes 0
	kindPct                         // a proportion, 0.4..1
	kindBool                        // 1 most of the time, else 0
	kindCalculated                  // no datapoints: computed from components by the aggregation
)

// indicatorSpec is one indicator of the catalogue.
type indicatorSpec struct {
	short, name, description string
	format                   string   // pct, int or bool
	good, bad                *float64 // nil: NULL
	kind                     valueKind
	numerator, denominator   string // components of a calculated indicator (short names)
}

// bound returns a pointer to a bound value, for the catalogue's literals.
func bound(v float64) *float64 { return &v }

// catalogue is every indicator, in id order. Small takes the first 20, the other sizes all 50.
// The first five are the core that every campaign collects (see campaignIndicators); both sizes
// hold some calculated indicators, whose components are in the core or beside them.
var catalogue = []indicatorSpec{
	{"polio_cases", "Polio cases (WPV1)", "Laboratory-confirmed wild poliovirus type 1 cases.", "int", bound(0), bound(1), kindRare, "", ""},
	{"polio_vaccine_coverage", "Polio vaccine coverage", "Share of the target population that received OPV in the campaign.", "pct", bound(0.95), bound(0.8), kindCoverage, "", ""},
	{"target_population", "Target population (under 5)", "Children under five the microplan counts.", "int", nil, nil, kindTarget, "", ""},
	{"children_vaccinated", "Children vaccinated", "Children under five vaccinated by the teams.", "int", nil, nil, kindVaccinated, "", ""},
	{"children_missed", "Children missed", "", "int", nil, nil, kindMissed, "", ""},
	{"refusals", "Refusals", "Households that refused vaccination.", "int", bound(0), bound(20), kindCount, "", ""},
	{"missed_child_absent", "Missed children: absent", "", "int", nil, nil, kindCount, "", ""},
	{"missed_child_refusal", "Missed children: refusal", "Children missed because the household refused.", "int", nil, nil, kindCount, "", ""},
	{"vaccinators_trained", "Vaccinators trained", "Share of vaccinators who attended the pre-campaign training.", "pct", bound(0.9), bound(0.6), kindPct, "", ""},
	{"cold_chain_functional", "Cold chain functional", "Whether the district's cold chain worked throughout.", "bool", bound(1), bound(0), kindBool, "", ""},
	{"microplan_complete", "Microplan complete", "", "bool", nil, nil, kindBool, "", ""},
	{"social_mobilizers", "Social mobilisers deployed", "Community mobilisers working in the area.", "int", nil, nil, kindCount, "", ""},
	{"houses_visited", "Houses visited", "Houses the teams marked as visited.", "int", nil, nil, kindCount, "", ""},
	{"opv_vials_used", "OPV vials used", "", "int", nil, nil, kindCount, "", ""},
	{"opv_wastage_rate", "OPV wastage rate", "Share of opened OPV doses not given.", "pct", bound(0.1), bound(0.25), kindPct, "", ""},
	{"afp_cases", "AFP cases reported", "Acute flaccid paralysis cases reported by surveillance.", "int", nil, bound(3), kindRare, "", ""},
	{"cvdpv2_cases", "cVDPV2 cases", "Circulating vaccine-derived poliovirus type 2 cases.", "int", bound(0), bound(1), kindRare, "", ""},
	{"ipv_coverage", "IPV coverage", "Inactivated polio vaccine coverage of infants.", "pct", bound(0.9), nil, kindPct, "", ""},
	{"vaccination_rate", "Vaccination rate", "Children vaccinated over the target population.", "pct", bound(0.95), bound(0.8), kindCalculated, "children_vaccinated", "target_population"},
	{"missed_children_rate", "Missed children rate", "", "pct", bound(0.05), bound(0.2), kindCalculated, "children_missed", "target_population"},
	// Medium and large only.
	{"measles_cases", "Measles cases", "Confirmed measles cases.", "int", bound(0), bound(5), kindRare, "", ""},
	{"measles_vaccine_coverage", "Measles vaccine coverage (MCV1)", "", "pct", bound(0.95), bound(0.8), kindPct, "", ""},
	{"vitamin_a_coverage", "Vitamin A coverage", "Children 6-59 months given vitamin A.", "pct", bound(0.9), bound(0.7), kindPct, "", ""},
	{"bcg_coverage", "BCG coverage", "", "pct", nil, nil, kindPct, "", ""},
	{"penta3_coverage", "Pentavalent 3 coverage", "Infants given the third pentavalent dose.", "pct", bound(0.9), bound(0.7), kindPct, "", ""},
	{"pcv3_coverage", "PCV3 coverage", "Infants given the third pneumococcal dose.", "pct", bound(0.9), nil, kindPct, "", ""},
	{"rota_coverage", "Rotavirus vaccine coverage", "", "pct", nil, nil, kindPct, "", ""},
	{"hepb_birth_dose", "Hepatitis B birth dose", "Newborns given hepatitis B within 24 hours.", "pct", bound(0.8), bound(0.5), kindPct, "", ""},
	{"zero_dose_children", "Zero-dose children", "Children who never received any routine vaccine.", "int", bound(0), nil, kindCount, "", ""},
	{"facilities_reporting", "Health facilities reporting", "Share of facilities that sent their report on time.", "pct", bound(0.9), bound(0.6), kindPct, "", ""},
	{"vaccine_stockout", "Vaccine stock-out", "Whether any facility ran out of vaccine.", "bool", bound(0), bound(1), kindBool, "", ""},
	{"supervisors_deployed", "Supervisors deployed", "", "int", nil, nil, kindCount, "", ""},
	{"vaccination_teams", "Vaccination teams", "House-to-house teams working in the area.", "int", nil, nil, kindCount, "", ""},
	{"transit_teams", "Transit teams", "Teams at bus stations, markets and crossings.", "int", nil, nil, kindCount, "", ""},
	{"mobile_teams", "Mobile teams", "", "int", nil, nil, kindCount, "", ""},
	{"campaign_awareness", "Campaign awareness", "Share of caregivers who knew of the campaign beforehand.", "pct", bound(0.85), bound(0.5), kindPct, "", ""},
	{"finger_marking", "Finger marking", "Share of children seen with a marked finger after the campaign.", "pct", bound(0.95), bound(0.8), kindPct, "", ""},
	{"lqas_lot_passed", "LQAS lot passed", "Whether the lot passed lot quality assurance sampling.", "bool", bound(1), bound(0), kindBool, "", ""},
	{"lqas_lots_sampled", "LQAS lots sampled", "", "int", nil, nil, kindCount, "", ""},
	{"env_samples_collected", "Environmental samples collected", "Sewage samples sent to the laboratory.", "int", nil, nil, kindCount, "", ""},
	{"env_samples_positive", "Environmental samples positive", "Sewage samples in which poliovirus was found.", "int", bound(0), bound(1), kindRare, "", ""},
	{"security_incidents", "Security incidents", "", "int", bound(0), bound(2), kindRare, "", ""},
	{"inaccessible_children", "Inaccessible children", "Children the teams could not reach.", "int", nil, nil, kindCount, "", ""},
	{"nomadic_children_vaccinated", "Nomadic children vaccinated", "", "int", nil, nil, kindCount, "", ""},
	{"newborns_registered", "Newborns registered", "Newborns the teams registered.", "int", nil, nil, kindCount, "", ""},
	{"dropout_rate", "Dropout rate (Penta1 to Penta3)", "Infants who started but did not finish the pentavalent series.", "pct", bound(0.1), bound(0.3), kindPct, "", ""},
	{"fully_immunized", "Fully immunised children", "Children 12-23 months with every routine dose.", "int", nil, nil, kindCount, "", ""},
	{"polio_awareness_sessions", "Polio awareness sessions", "Community sessions held on polio.", "int", nil, nil, kindCount, "", ""},
	{"reporting_complete", "Reporting complete", "", "bool", nil, nil, kindBool, "", ""},
	{"env_positivity_rate", "Environmental positivity rate", "Positive samples over samples collected.", "pct", bound(0), bound(0.1), kindCalculated, "env_samples_positive", "env_samples_collected"},
}

// coreIndicators is how many indicators at the head of the catalogue every campaign collects.
const coreIndicators = 5
