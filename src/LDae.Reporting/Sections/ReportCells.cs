using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>Cell texts and plurals more than one section writes the same way.</summary>
static class ReportCells
{
    public static string VerdictCell(Verdict v) => v switch
    {
        Verdict.Agrees => "✓ agrees",
        Verdict.Disagrees => "✗ disagrees",
        Verdict.WithinNoise => "within noise",
        Verdict.OneSeed => "1 seed",
        _ => "—",
    };

    /// <summary>The plural ending for a count.</summary>
    public static string S(int n) => n == 1 ? "" : "s";
}
