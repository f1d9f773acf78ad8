using System.Globalization;

namespace LDae.Harness.Results;

/// <summary>Fixed, culture-invariant number formats, so the same results give byte-identical reports.</summary>
public static class Format
{
    static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>An accuracy in percent, one decimal: "64.5".</summary>
    public static string Percent(double value) => Zero(Math.Round(value, 1)).ToString("0.0", C);

    /// <summary>A difference in percentage points with its sign: "+1.2", "-3.0", "0.0".</summary>
    public static string Delta(double value)
    {
        var r = Zero(Math.Round(value, 1));
        return r == 0 ? "0.0" : r.ToString("+0.0;-0.0", C);
    }

    /// <summary>An accuracy over seeds: "64.5 ± 0.3 (n=3)"; "64.5 (n=1)" without a spread; "–" without a value.</summary>
    public static string MeanSd(SeedStatistic? s) => s switch
    {
        null => "–",
        { Sd: { } sd } => $"{Percent(s.Mean)} ± {Number(Math.Round(sd, 1), "0.0")} (n={s.N})",
        _ => $"{Percent(s.Mean)} (n={s.N})",
    };

    /// <summary>A Δ with its 95 % CI: "+1.2 [+0.4, +2.0]".</summary>
    public static string DeltaCi(DeltaEstimate d) => $"{Delta(d.Delta)} [{Delta(d.CiLow)}, {Delta(d.CiHigh)}]";

    /// <summary>A duration as h:mm:ss ("0:04:05"), whole seconds.</summary>
    public static string Duration(double seconds)
    {
        var s = (long)Math.Round(Math.Max(0, seconds));
        return string.Create(C, $"{s / 3600}:{s / 60 % 60:00}:{s % 60:00}");
    }

    /// <summary>A rate, whole numbers with no separators ("1234").</summary>
    public static string Rate(double value) => Math.Round(value).ToString("0", C);

    public static string Integer(long value) => value.ToString(C);

    public static string Number(double value, string format) => Zero(value).ToString(format, C);

    /// <summary>A UTC timestamp from the metrics: "2025-01-31 14:05:09 UTC".</summary>
    public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", C) + " UTC";

    /// <summary>Text inside a Markdown table cell: pipes escaped, no line breaks.</summary>
    public static string Cell(string text) => text.Replace("|", "\\|").ReplaceLineEndings(" ");

    // Avoids "-0.0".
    static double Zero(double v) => v == 0 ? 0 : v;
}
