package tuner

import (
	"fmt"
	"math"
	"strconv"
)

// Count renders a count with thousands separators: 12,345; large counts in
// millions or billions: 20M, 1.5B.
func Count(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return trimFloat(v/1e9, 2) + "B"
	case a >= 1e7:
		return trimFloat(v/1e6, 2) + "M"
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// trimFloat formats v with at most prec decimals and no trailing zeros.
func trimFloat(v float64, prec int) string {
	return strconv.FormatFloat(math.Round(v*math.Pow10(prec))/math.Pow10(prec), 'f', -1, 64)
}

// Money renders an amount: $1,234 (USD) or 1,234 EUR; cents below 100,
// and three decimals below 1 (prices per CU-hour).
func Money(v float64, currency string) string {
	amount := Count(v)
	switch a := math.Abs(v); {
	case a < 1:
		amount = fmt.Sprintf("%.3f", v)
	case a < 100:
		amount = fmt.Sprintf("%.2f", v)
	}
	if currency == "" || currency == "USD" {
		return "$" + amount
	}
	return amount + " " + currency
}

// Millis renders milliseconds: 0.123 ms, 4.56 ms, 120 ms.
func Millis(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 100:
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// Bytes renders a size in binary units.
func Bytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// units renders a count with its unit, singular for 1: "1 CU", "3 CUs".
func units(n int, unit string) string {
	return fmt.Sprintf("%d %s%s", n, unit, plural(n))
}
