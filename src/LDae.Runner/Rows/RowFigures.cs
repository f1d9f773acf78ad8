using LDae.Data;
using LDae.Method;
using LDae.Reporting.Plots;
using LDae.Tokenizers;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>
/// The paper's image figures for a trained l-DAE row, written to <c>figures/</c> of the row's result folder
/// (the report embeds them): the PCA basis as patches, noise added in pixels vs in the PCA latent, and denoising
/// examples (noisy input → prediction → original).
/// </summary>
public static class RowFigures
{
    static readonly double[] Sigmas = [0.25, 0.5, 1.0, 2.0];

    public static void Write(string dir, Denoiser denoiser, ImageDataset test, long seed)
    {
        if (denoiser.Tokenizer is not PatchPcaTokenizer pca) return;
        Directory.CreateDirectory(dir);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var g = Seeding.Generator(seed, "figures");
        var images = ImageDataset.ToModelInput(test.Images[..4]);
        int c = test.Channels, h = test.Height, w = test.Width;

        // PCA basis: each of the d principal directions shown as a p×p patch (min–max scaled to [-1, 1]).
        var basis = pca.Basis.T.reshape(pca.LatentDim, pca.Patch, pca.Patch, c).permute(0, 3, 1, 2);
        var lo = basis.amin([1, 2, 3], keepdim: true);
        var hi = basis.amax([1, 2, 3], keepdim: true);
        var shown = (basis - lo) / (hi - lo + 1e-8) * 2 - 1;
        ImageGrid.Save(Path.Combine(dir, "pca-basis.png"),
            [Enumerable.Range(0, pca.LatentDim).Select(i => Cell(shown[i])).ToList()],
            c, pca.Patch, pca.Patch, ["basis"], Enumerable.Range(1, pca.LatentDim).Select(i => $"#{i}").ToList(),
            $"PCA basis (top {pca.LatentDim} of D = {pca.PatchDim} directions, p = {pca.Patch})");

        // Noise in pixels vs in the latent, at the same σ (in units of the latent's scale).
        var pixelRow = new List<float[]> { Cell(images[0]) };
        var latentRow = new List<float[]> { Cell(images[0]) };
        var z = pca.Encode(images[..1]);
        foreach (var sigma in Sigmas)
        {
            pixelRow.Add(Cell((images[0] + sigma * randn(images[0].shape, generator: g)).clamp(-1, 1)));
            latentRow.Add(Cell(pca.Decode(z + sigma * randn(z.shape, generator: g))[0].clamp(-1, 1)));
        }
        ImageGrid.Save(Path.Combine(dir, "latent-noise.png"), [pixelRow, latentRow], c, h, w,
            ["noise in pixels", "noise in PCA latent"], ["clean", .. Sigmas.Select(s => $"σ = {s}")],
            "The same image with Gaussian noise added in pixel space vs in the PCA latent space");

        // Denoising: noisy input, prediction and original at a few noise levels of the row's schedule.
        int steps = denoiser.Schedule.Steps;
        int[] levels = [steps / 10, steps / 4, steps / 2];
        var rows = new List<IReadOnlyList<float[]>>();
        var labels = new List<string>();
        foreach (var t in levels)
        {
            var (noisy, prediction) = denoiser.Denoise(images, t, g);
            for (int i = 0; i < 2; i++)
            {
                rows.Add([Cell(noisy[i].clamp(-1, 1)), Cell(prediction[i].clamp(-1, 1)), Cell(images[i])]);
                labels.Add($"t = {t}/{steps}, σ = {denoiser.Schedule.SigmaAt(t):0.##}");
            }
        }
        ImageGrid.Save(Path.Combine(dir, "denoising.png"), rows, c, h, w, labels, ["noisy input", "prediction", "original"],
            "Denoising examples (test images)");
    }

    static float[] Cell(Tensor image) => image.contiguous().to(ScalarType.Float32).data<float>().ToArray();
}
