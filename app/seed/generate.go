package seed

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// span is an inclusive range of children per parent.
type span struct{ min, max int }

func (s span) draw(r *rand.Rand) int { return s.min + r.IntN(s.max-s.min+1) }

// plan is the shape of one size.
type plan struct {
	regions       int
	provinces     span // per region
	districts     span // per province
	subDistricts  span // per district
	leafDistricts float64
	indicators    int
	campaigns     int
	datapoints    int // the number aimed at; the drawn data lands near it
}

var plans = map[Size]plan{
	Small:  {regions: 2, provinces: span{2, 2}, districts: span{2, 3}, subDistricts: span{7, 10}, leafDistricts: 0.1, indicators: 20, campaigns: 4, datapoints: 5_000},
	Medium: {regions: 6, provinces: span{4, 6}, districts: span{4, 6}, subDistricts: span{10, 14}, leafDistricts: 0.03, indicators: 50, campaigns: 12, datapoints: 200_000},
	Large:  {regions: 10, provinces: span{5, 7}, districts: span{6, 8}, subDistricts: span{22, 28}, leafDistricts: 0.02, indicators: 50, campaigns: 24, datapoints: 1_000_000},
}

// The probabilities of the gaps in the datapoints.
const (
	locationMissing  = 0.02 // a location reported nothing for a campaign
	indicatorMissing = 0.06 // a location did not report one indicator
)

// baseTime is the fixed origin of every generated timestamp and date.
var baseTime = time.Date(2023, time.January, 2, 8, 0, 0, 0, time.UTC)

// newRand returns the random stream of one kind of row: the same stream name always gives the same
// sequence.
func newRand(stream string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return rand.New(rand.NewPCG(0x7a57_7960_2024_0001, h.Sum64()))
}

// round rounds to n decimals. The explicit conversions keep the compiler from fusing operations, so
// that every platform gets the same bits.
func round(x float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(float64(x*p)) / p
}

// locationType is a row of location_type.
type locationType struct {
	id         int64
	name       string
	adminLevel int
}

var locationTypes = []locationType{
	{1, "Country", 0}, {2, "Region", 1}, {3, "Province", 2}, {4, "District", 3}, {5, "Sub-district", 4},
}

// location is a row of location plus what the datapoints need.
type location struct {
	id         int64
	name, code string
	level      int   // admin level, and location_type id − 1
	parent     int64 // 0 for the root
	region     int   // 1-based region number; 0 for the country
	lat, lon   *float64
	population int // the under-five target population of a leaf
	leaf       bool
	createdAt  time.Time
	children   int
}

var regionNames = []string{
	"Northern", "Southern", "Eastern", "Western", "Central", "North-Eastern", "South-Western",
	"North-Western", "South-Eastern", "Central Highlands",
}

var (
	nameHeads = []string{
		"Kab", "Kan", "Her", "Bal", "Nan", "Zar", "Par", "Gha", "Tak", "Bad", "Far", "Sam", "Lag", "Kun",
		"Pak", "Kho", "Log", "War", "Bam", "Jow", "Sar", "Ghor", "Hel", "Nur", "Uruz", "Dai", "Shin",
		"Mai", "Ros", "Qal", "Chak", "Bag", "Ish", "Jal", "Kal", "Mir", "Sang", "Tal", "Yak", "Zeb",
	}
	nameTails = []string{
		"ul", "at", "dar", "khan", "garh", "abad", "istan", "pur", "ak", "an", "ez", "ira", "bul",
		"shan", "gan", "wand", "kot", "zai", "bagh", "rud",
	}
)

func placeName(r *rand.Rand) string {
	return nameHeads[r.IntN(len(nameHeads))] + nameTails[r.IntN(len(nameTails))]
}

// buildTree draws the location tree breadth first, so that ids grow level by level and every parent
// comes before its children.
func buildTree(p plan) []location {
	r := newRand("location")
	lat0, lon0 := 33.9391, 67.7100
	root := location{id: 1, name: "Afghanistan", code: "AF", level: 0, lat: ptr(lat0), lon: ptr(lon0)}
	locs := []location{root}
	spreads := []float64{0, 3, 1, 0.4, 0.1}
	levelStart := 0
	for level := 1; level <= 4; level++ {
		levelEnd := len(locs)
		for pi := levelStart; pi < levelEnd; pi++ {
			parent := locs[pi]
			var n int
			switch level {
			case 1:
				n = p.regions
			case 2:
				n = p.provinces.draw(r)
			case 3:
				n = p.districts.draw(r)
			case 4:
				n = p.subDistricts.draw(r)
				if r.Float64() < p.leafDistricts {
					n = 0 // a district without sub-districts: a leaf one level up
				}
			}
			locs[pi].children = n
			for i := 1; i <= n; i++ {
				c := location{
					id:     int64(len(locs) + 1),
					level:  level,
					parent: parent.id,
					region: parent.region,
				}
				switch level {
				case 1:
					c.region = i
					c.name = regionNames[(i-1)%len(regionNames)] + " Region"
					c.code = fmt.Sprintf("%s-R%02d", parent.code, i)
				case 2:
					c.name = placeName(r)
					c.code = fmt.Sprintf("%s-P%02d", parent.code, i)
				case 3:
					c.name = placeName(r)
					c.code = fmt.Sprintf("%s-D%02d", parent.code, i)
				case 4:
					c.name = placeName(r)
					c.code = fmt.Sprintf("%s-S%02d", parent.code, i)
				}
				// Some sub-districts have no coordinates.
				if level < 4 || r.Float64() >= 0.08 {
					jitter := func(v float64) *float64 {
						return ptr(round(v+float64(spreads[level]*(2*r.Float64()-1)), 4))
					}
					c.lat, c.lon = jitter(*parent.lat), jitter(*parent.lon) // levels above 4 always have them
				}
				locs = append(locs, c)
			}
		}
		levelStart = levelEnd
	}
	for i := range locs {
		l := &locs[i]
		l.leaf = l.children == 0
		if l.leaf {
			l.population = 500 + r.IntN(4500)
		}
		l.createdAt = baseTime.Add(time.Duration(i) * time.Second)
	}
	return locs
}

func ptr[T any](v T) *T { return &v }

// indicator is a row of indicator.
type indicator struct {
	id int64
	indicatorSpec
	createdAt time.Time
}

// calculation is a row of indicator_calculation.
type calculation struct {
	id, indicator, component int64
	role                     string
}

func buildIndicators(p plan) ([]indicator, []calculation) {
	specs := catalogue[:p.indicators]
	inds := make([]indicator, len(specs))
	byShort := map[string]int64{}
	for i, s := range specs {
		inds[i] = indicator{id: int64(i + 1), indicatorSpec: s, createdAt: baseTime.Add(time.Hour + time.Duration(i)*time.Minute)}
		byShort[s.short] = inds[i].id
	}
	var calcs []calculation
	for _, ind := range inds {
		if ind.kind != kindCalculated {
			continue
		}
		for _, c := range []struct{ short, role string }{{ind.numerator, "numerator"}, {ind.denominator, "denominator"}} {
			comp, ok := byShort[c.short]
			if !ok {
				panic("seed: catalogue: " + ind.short + " needs " + c.short + ", which this size leaves out")
			}
			calcs = append(calcs, calculation{id: int64(len(calcs) + 1), indicator: ind.id, component: comp, role: c.role})
		}
	}
	return inds, calcs
}

// campaignType is a row of campaign_type.
type campaignType struct {
	id   int64
	name string
}

// The campaign types; "Outbreak response" has no campaign, on purpose.
var campaignTypes = []campaignType{
	{1, "National Immunization Days"}, {2, "Sub-National Immunization Days"}, {3, "Mop-up"}, {4, "Outbreak response"},
}

// campaign is a row of campaign plus the indicators it collected.
type campaign struct {
	id         int64
	name       string
	typeID     int64
	top        int64 // top_lvl_location_id
	region     int   // 0 when top is the country
	start, end time.Time
	createdAt  time.Time
	indicators []int64 // ids, ascending
}

func buildCampaigns(p plan, locs []location) []campaign {
	r := newRand("campaign")
	regionsByNumber := map[int]location{}
	for _, l := range locs {
		if l.level == 1 {
			regionsByNumber[l.region] = l
		}
	}
	camps := make([]campaign, p.campaigns)
	start := time.Date(baseTime.Year(), baseTime.Month(), baseTime.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 14)
	for i := range camps {
		c := &camps[i]
		c.id = int64(i + 1)
		c.start = start.AddDate(0, 0, r.IntN(7))
		days := 2 + r.IntN(5)
		if i == 1 {
			days = 0 // a one-day campaign: end_date = start_date
		}
		c.end = c.start.AddDate(0, 0, days)
		c.createdAt = c.start.AddDate(0, 0, -10).Add(9*time.Hour + time.Duration(i)*time.Minute)
		month := c.start.Format("2006-01")
		switch {
		case i%4 == 3: // every fourth campaign covers one region
			c.region = 1 + (i/4)%p.regions
			reg := regionsByNumber[c.region]
			c.top, c.typeID = reg.id, 2
			c.name = fmt.Sprintf("SNID %s %s", reg.name, month)
		case i%4 == 2:
			c.top, c.typeID = 1, 3
			c.name = fmt.Sprintf("Mop-up Afghanistan %s", month)
		default:
			c.top, c.typeID = 1, 1
			c.name = fmt.Sprintf("NID Afghanistan %s", month)
		}
		start = start.AddDate(0, 0, 28+r.IntN(10))
	}
	return camps
}

// leavesUnder returns the leaf locations a campaign covers: all of them, or those of its region.
func leavesUnder(locs []location, c campaign) []location {
	var out []location
	for _, l := range locs {
		if l.leaf && (c.region == 0 || l.region == c.region) {
			out = append(out, l)
		}
	}
	return out
}

// chooseCampaignIndicators picks the indicators each campaign collected, as many as make the expected
// number of datapoints meet the plan: the core ones, then a random pick of the other reported ones.
func chooseCampaignIndicators(p plan, locs []location, inds []indicator, camps []campaign) {
	r := newRand("campaign_indicators")
	var reported []int64
	for _, ind := range inds {
		if ind.kind != kindCalculated {
			reported = append(reported, ind.id)
		}
	}
	cover := 0
	for _, c := range camps {
		cover += len(leavesUnder(locs, c))
	}
	// k indicators per campaign, as a fraction: the first campaigns get one more than the others.
	k := float64(p.datapoints) / (float64(cover) * (1 - locationMissing) * (1 - indicatorMissing))
	whole := int(k)
	extra := int(math.Round((k - float64(whole)) * float64(len(camps))))
	for i := range camps {
		n := whole
		if i < extra {
			n++
		}
		n = max(coreIndicators, min(n, len(reported)))
		others := slices.Clone(reported[coreIndicators:])
		r.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })
		chosen := append(slices.Clone(reported[:coreIndicators]), others[:n-coreIndicators]...)
		slices.Sort(chosen)
		camps[i].indicators = chosen
	}
}

// datapoint is a row of datapoint (source_submission_id is always NULL).
type datapoint struct {
	id, indicator, location, campaign int64
	value                             float64
	createdAt                         time.Time
}

// eachDatapoint draws the datapoints in id order and hands each to emit. It draws the same rows every
// time it is called, so it can run once to count and once to insert.
func (g *dataset) eachDatapoint(emit func(*datapoint) error) error {
	r := newRand("datapoint")
	kinds := map[int64]valueKind{}
	for _, ind := range g.indicators {
		kinds[ind.id] = ind.kind
	}
	var dp datapoint
	for _, c := range g.campaigns {
		created := c.end.AddDate(0, 0, 1).Add(6 * time.Hour)
		for li, l := range leavesUnder(g.locations, c) {
			if r.Float64() < locationMissing {
				continue
			}
			coverage := round(0.6+0.39*r.Float64(), 4)
			target := int(math.Round(float64(l.population) * (0.95 + 0.1*r.Float64())))
			vaccinated := int(math.Round(float64(target) * coverage))
			for _, indID := range c.indicators {
				if r.Float64() < indicatorMissing {
					continue
				}
				var v float64
				switch kinds[indID] {
				case kindTarget:
					v = float64(target)
				case kindVaccinated:
					v = float64(vaccinated)
				case kindMissed:
					v = float64(target - vaccinated)
				case kindCoverage:
					v = coverage
				case kindRare:
					if r.Float64() < 0.1 {
						v = float64(1 + r.IntN(3))
					}
				case kindCount:
					if r.Float64() >= 0.05 {
						v = float64(r.IntN(1 + target/4))
					}
				case kindPct:
					v = round(0.4+0.6*r.Float64(), 4)
				case kindBool:
					if r.Float64() < 0.85 {
						v = 1
					}
				}
				dp = datapoint{
					id: dp.id + 1, indicator: indID, location: l.id, campaign: c.id, value: v,
					createdAt: created.Add(time.Duration(li) * time.Second),
				}
				if err := emit(&dp); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// dashboard is a row of custom_dashboard.
type dashboard struct {
	id                   int64
	title, description   string
	layout               string
	createdAt, updatedAt time.Time
}

// chart is a row of custom_chart.
type chart struct {
	id                   int64
	title, chartJSON     string
	dashboard            int64 // 0: NULL
	createdAt, updatedAt time.Time
}

func buildDashboards() ([]dashboard, []chart) {
	t := baseTime.AddDate(0, 2, 0)
	dashboards := []dashboard{
		{1, "Polio overview", "Coverage, missed children and cases across the country.", `{"columns": 2, "rows": [[1, 2], [3]]}`, t, t.Add(48 * time.Hour)},
		{2, "Campaign monitoring", "", `{"columns": 1, "rows": [[4]]}`, t.Add(time.Hour), t.Add(time.Hour)},
		{3, "Empty dashboard", "", `{}`, t.Add(2 * time.Hour), t.Add(2 * time.Hour)},
	}
	charts := []chart{
		{1, "Polio vaccine coverage by region", `{"type": "map", "indicators": ["polio_vaccine_coverage"], "location_depth": 1, "location": "AF"}`, 1, t, t},
		{2, "Missed children over time", `{"type": "line", "indicators": ["children_missed", "missed_children_rate"], "location": "AF"}`, 1, t.Add(time.Minute), t.Add(time.Minute)},
		{3, "Polio cases", `{"type": "bar", "indicators": ["polio_cases"], "group_by": "campaign"}`, 1, t.Add(2 * time.Minute), t.Add(2 * time.Minute)},
		{4, "Vaccination rate table", `{"type": "table", "indicators": ["vaccination_rate", "target_population", "children_vaccinated"], "location_depth": 2}`, 2, t.Add(time.Hour), t.Add(time.Hour)},
		{5, "Unfiled chart", `{"type": "line", "indicators": []}`, 0, t.Add(3 * time.Hour), t.Add(3 * time.Hour)},
	}
	return dashboards, charts
}

// dataset is everything Run inserts, datapoints drawn on demand.
type dataset struct {
	locations  []location
	indicators []indicator
	calcs      []calculation
	campaigns  []campaign
	dashboards []dashboard
	charts     []chart
}

func generate(p plan) *dataset {
	g := &dataset{locations: buildTree(p)}
	g.indicators, g.calcs = buildIndicators(p)
	g.campaigns = buildCampaigns(p, g.locations)
	chooseCampaignIndicators(p, g.locations, g.indicators, g.campaigns)
	g.dashboards, g.charts = buildDashboards()
	return g
}
