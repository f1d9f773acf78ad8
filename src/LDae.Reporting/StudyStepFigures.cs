using LDae.Reporting.Plots;
using LDae.Reporting.Sections;

namespace LDae.Reporting;

/// <summary>One figure per step of a study of steps: our Δ against pretraining epochs, with the paper's Δ as a dashed line.</summary>
public static class StudyStepFigures
{
    public static IEnumerable<ReportFigure> Write(ReportModel model, TableResult study, string dir)
    {
        if (study.Table.Steps.Count == 0) yield break;
        var section = StudyStepsSection.Section(study);
        int index = 0;
        foreach (var s in StudyStepResult.Of(model, study))
        {
            index++;
            var points = s.Lengths.Where(l => l.Comparison.OursDelta is not null)
                .Select(l => new DeltaAtEpochs(l.Epochs, l.Comparison.OursDelta!.Value,
                    l.Comparison.Interval is { } ci ? (ci.CiHigh - ci.CiLow) / 2 : null)).ToList();
            if (points.Count == 0)
            {
                yield return new ReportFigure(section, null, $"{s.Step.Title}: no length has both rows measured yet.");
                continue;
            }
            var file = $"{study.Table.Id}-step-{index}.png";
            DeltaByLengthPlot.Save(Path.Combine(dir, file), s.Step.Title, points, s.Step.PaperDelta, $"ours (profile {model.Profile}), 95 % CI");
            yield return new ReportFigure(section, file,
                $"{s.Step.Title}: our Δ linear-probe top-1 against pretraining epochs (95 % CI over seeds), the paper's Δ dashed");
        }
    }
}
