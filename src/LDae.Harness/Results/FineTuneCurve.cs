using System.Globalization;
using System.Text;
using LDae.Files;

namespace LDae.Harness.Results;

/// <summary>One epoch of a fine-tuning row: its mean training loss, the learning rate at its end, the test top-1 (%).</summary>
public sealed record FineTuneCurvePoint(int Epoch, double TrainLoss, double Lr, double TestTop1);

/// <summary>
/// A fine-tuning row's curve, <c>finetune-curve.csv</c> in its folder: epoch, train_loss, lr, test_top1 (%), one line
/// per epoch, written as the epochs finish.
/// </summary>
public static class FineTuneCurve
{
    public const string FileName = "finetune-curve.csv";
    const string Header = "epoch,train_loss,lr,test_top1";

    public static void Write(string path, IReadOnlyList<FineTuneCurvePoint> curve)
    {
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var e in curve)
            csv.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss:R},{e.Lr:R},{e.TestTop1:R}\n");
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(csv.ToString())));
    }

    /// <summary>The curve in a file written by <see cref="Write"/>; empty when there is none. Lines that do not parse are skipped.</summary>
    public static IReadOnlyList<FineTuneCurvePoint> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var curve = new List<FineTuneCurvePoint>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length == 4
                && int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
                && double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var loss)
                && double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var lr)
                && double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var top1))
                curve.Add(new FineTuneCurvePoint(epoch, loss, lr, top1));
        }
        return curve;
    }
}
