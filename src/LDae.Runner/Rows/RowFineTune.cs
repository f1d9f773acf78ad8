using LDae.Data;
using LDae.Evaluation.FineTuning;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Results;
using LDae.Method;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>
/// The fine-tuning stage of a row (finetune.enabled): the row's model — pretrained weights of its source row, or the
/// random initialisation for the scratch reference — fine-tuned end to end through the probe's read-out, its curve
/// written to the row's folder epoch by epoch.
/// </summary>
static class RowFineTune
{
    public static FineTuneResult Run(string row, IPretrainingMethod? method, ProbeReadout? readout, ConfigTree config,
        ImageDataset train, ImageDataset test, int classes, Device device, string dir, TextWriter log)
    {
        if (method is not IFineTunableEncoder encoder || readout is null)
            throw new InputException($"{row}: fine-tuning needs a trained or randomly initialised encoder (probe.encoder: trained or random-init)");
        var options = FineTuneSettings.Options(config);
        var curve = new List<FineTuneCurvePoint>();
        var path = Path.Combine(dir, FineTuneCurve.FileName);
        log.WriteLine($"{row}: fine-tuning {options.Epochs} epochs, batch {options.BatchSize}, layer decay {options.LayerDecay}, drop path {options.DropPath}, "
                      + $"MixUp {options.Mix.MixUpAlpha} / CutMix {options.Mix.CutMixAlpha}, RandAugment ({options.RandAugment.Operations}, {options.RandAugment.Magnitude}, {options.RandAugment.MagnitudeStd}), EMA {options.EmaDecay}");
        var result = FineTuner.Run(encoder, readout, (int)config.Int("backbone.width"), train, test, classes, options, device, epoch =>
        {
            curve.Add(new FineTuneCurvePoint(epoch.Epoch, epoch.TrainLoss, epoch.Lr, epoch.TestTop1));
            FineTuneCurve.Write(path, curve);
            log.WriteLine($"{row}: fine-tune epoch {epoch.Epoch}/{options.Epochs}: loss {epoch.TrainLoss:0.0000}, lr {epoch.Lr:0.###e0}, test top-1 {epoch.TestTop1:0.00}%");
        });
        log.WriteLine($"{row}: fine-tuned top-1 {result.TestTop1:0.00}% after {result.Steps} steps (peak lr {result.PeakLr:0.###e0})");
        return result;
    }

    /// <summary>What metrics.json records of the read-out and the protocol: "fine-tuned" features, AdamW.</summary>
    public static ProbeSetup Setup(ProbeReadout readout) => new()
    {
        T = readout.T,
        NoisyInput = readout.NoisyInput,
        Blocks = readout.Blocks,
        Features = ProbeSetup.FineTuned,
        Optimizer = "adamw",
    };
}
