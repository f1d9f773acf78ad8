using LDae.Estimates;
using LDae.Harness.Config;
using LDae.Models;
using TorchSharp;

namespace LDae.Rows;

/// <summary>
/// The trainable parameters (name and shape) of the model a configuration pretrains, built without data or a fitted
/// tokenizer: the denoiser's backbone (registered as <c>backbone</c>, as <see cref="Method.Denoiser"/> does) or a
/// Table 4 baseline. What "one change per row" is checked against: a row's parameters equal its parent's unless the
/// row declares its architectural change.
/// </summary>
public static class RowArchitecture
{
    public sealed record Parameter(string Name, long[] Shape)
    {
        public override string ToString() => $"{Name} [{string.Join("×", Shape)}]";
    }

    public static IReadOnlyList<Parameter> Parameters(ConfigTree config, string repoRoot)
    {
        int size = DatasetSize.Of(config, repoRoot).ImageSize;   // data.image_size, else the dataset's native side
        using var init = new torch.Generator(0, torch.CPU);
        if (config.Text("pretrain.method") == "denoising")
        {
            using var backbone = DiffusionTransformer.Create(RunSettings.Backbone(config, size), init);
            return Of(backbone, "backbone.");
        }
        using var baseline = PretrainingMethods.Baseline(config, size, (int)config.Int("data.channels"), init);
        return Of(baseline, "");
    }

    static IReadOnlyList<Parameter> Of(torch.nn.Module module, string prefix) =>
        module.named_parameters().Where(p => p.parameter.requires_grad)
            .Select(p => new Parameter(prefix + p.name, p.parameter.shape)).ToList();
}
