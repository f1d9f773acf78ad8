using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// The summary's line for one table: how its steps compare with the paper's. Where its rows ran several seeds a step
/// counts as agreeing (or disagreeing) only when the 95 % CI of our Δ excludes 0; the others are within noise, or have
/// one seed on a side (no interval). With one seed per row a step is judged on the direction of its Δ.
/// </summary>
static class StepAgreementLine
{
    public static void Write(StringBuilder md, TableResult t)
    {
        var steps = t.Rows.Select((r, i) => (Row: r, Cmp: r.StepFrom(t.Previous[i]), Prev: t.Previous[i]))
            .Where(s => s.Prev is not null).ToList();
        bool seeds = t.HasSeeds;
        bool Agrees(StepComparison c) => seeds ? c.Verdict == Verdict.Agrees : c.Direction == Direction.Agrees;
        bool Disagrees(StepComparison c) => seeds ? c.Verdict == Verdict.Disagrees : c.Direction == Direction.Disagrees;
        bool Unmeasured(StepComparison c) => !c.PaperFlat && (seeds ? c.Verdict == Verdict.None : c.Direction == Direction.None);
        var agree = steps.Count(s => Agrees(s.Cmp));
        var disagree = steps.Where(s => Disagrees(s.Cmp)).ToList();
        var within = seeds ? steps.Count(s => s.Cmp.Verdict == Verdict.WithinNoise) : 0;
        var oneSeed = seeds ? steps.Count(s => s.Cmp.Verdict == Verdict.OneSeed) : 0;
        var judged = agree + disagree.Count + within;
        md.Append($"- {ReportFigures.ShortTitle(t)}: ");
        if (judged == 0)
            md.Append(seeds ? "no step has results over seeds on both sides yet" : "no step can be compared with the paper yet");
        else if (seeds)
            md.Append($"{agree} of {judged} step{S(judged)} agree{(judged == 1 ? "s" : "")} with the paper beyond noise (95 % CI of our Δ excludes 0, same sign); {within} within noise (CI contains 0)");
        else
            md.Append($"{agree} of {judged} comparable step{S(judged)} agree{(judged == 1 ? "s" : "")} in direction with the paper");
        if (disagree.Count > 0)
            md.Append((seeds ? ". Disagree beyond noise: " : ". Disagree: ") + string.Join("; ", disagree.Select(s =>
                $"{s.Row.Row.Title} (paper {Format.Delta(s.Cmp.PaperDelta!.Value)}, ours {(seeds ? Format.DeltaCi(s.Cmp.Interval!) : Format.Delta(s.Cmp.OursDelta!.Value))})")));
        var other = new List<string>();
        if (oneSeed > 0) other.Add($"{oneSeed} step{S(oneSeed)} with one seed on a side (no interval)");
        var flat = steps.Count(s => s.Cmp.PaperFlat);
        if (flat > 0) other.Add($"{flat} step{S(flat)} where the paper shows no change");
        var same = steps.Count(s => s.Cmp.SameConfigurationAs is not null);
        if (same > 0) other.Add($"{same} step{S(same)} whose two rows are one configuration at this profile");
        var missing = steps.Count(s => s.Cmp.SameConfigurationAs is null && Unmeasured(s.Cmp));
        if (missing > 0) other.Add($"{missing} step{S(missing)} without both results");
        md.Append(other.Count > 0 ? $". {(seeds ? "Not judged" : "Not comparable")}: {string.Join(", ", other)}.\n" : ".\n");
    }

    static string S(int n) => ReportCells.S(n);
}
