using System.Xml.Linq;

namespace LDae.Harness;

/// <summary>
/// Adds up the counters of the TRX files a test run wrote, so the build can end with one plain line,
/// "tests: N passed, N failed, N skipped", that any CI can read.
/// </summary>
public sealed record TestSummary(int Passed, int Failed, int Skipped)
{
    public static TestSummary FromTrxFiles(IEnumerable<string> files)
    {
        int passed = 0, failed = 0, skipped = 0;
        foreach (var file in files)
        {
            var counters = XDocument.Load(file).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters")
                ?? throw new InvalidDataException($"{file}: no <Counters> element");
            int Count(string name) => int.TryParse(counters.Attribute(name)?.Value, out var n) ? n : 0;
            passed += Count("passed");
            failed += Count("failed") + Count("error") + Count("timeout") + Count("aborted");
            skipped += Count("notExecuted");
        }
        return new TestSummary(passed, failed, skipped);
    }

    public override string ToString() => $"tests: {Passed} passed, {Failed} failed, {Skipped} skipped";
}
