using LDae.Files;
using SkiaSharp;

namespace LDae.Reporting.Plots;

/// <summary>
/// A labelled grid of images for the paper's image figures (PCA basis as patches, latent vs pixel noise,
/// denoising examples). Each cell is a C×H×W float array in [-1, 1] (C = 1 grayscale, C = 3 RGB), upscaled
/// with nearest-neighbour sampling so that small images (28×28) stay crisp and visible.
/// </summary>
public static class ImageGrid
{
    const int Gap = 6, Margin = 12;
    const float TitleSize = 20, LabelSize = 14;

    /// <summary>Upscaling factor: the smallest integer that makes a cell at least this many pixels on its longer side.</summary>
    public const int MinCellPixels = 112;

    public static int Scale(int height, int width) => Math.Max(1, (int)Math.Ceiling(MinCellPixels / (double)Math.Max(height, width)));

    public static void Save(string path, IReadOnlyList<IReadOnlyList<float[]>> cells, int channels, int height, int width,
        IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string title)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, got {channels}", nameof(channels));
        if (height <= 0 || width <= 0) throw new ArgumentException("height and width must be positive");
        int rows = cells.Count, cols = cells.Count == 0 ? 0 : cells.Max(r => r.Count);
        if (rows == 0 || cols == 0) throw new ArgumentException("an image grid needs at least one cell", nameof(cells));
        foreach (var (row, r) in cells.Select((row, r) => (row, r)))
            foreach (var (cell, c) in row.Select((cell, c) => (cell, c)))
                if (cell.Length != channels * height * width)
                    throw new ArgumentException($"cell [{r}][{c}] has {cell.Length} values, expected {channels}×{height}×{width} = {channels * height * width}");

        int scale = Scale(height, width);
        int cw = width * scale, ch = height * scale;

        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, TitleSize);
        using var labelFont = new SKFont(typeface, LabelSize);
        float rowLabelWidth = rowLabels.Count == 0 ? 0 : rowLabels.Max(l => labelFont.MeasureText(l)) + Gap;
        float titleHeight = string.IsNullOrEmpty(title) ? 0 : TitleSize + 2 * Gap;
        float colLabelHeight = columnLabels.Count == 0 ? 0 : LabelSize + Gap;

        int imgW = (int)Math.Ceiling(2 * Margin + rowLabelWidth + cols * cw + (cols - 1) * Gap);
        int imgH = (int)Math.Ceiling(2 * Margin + titleHeight + colLabelHeight + rows * ch + (rows - 1) * Gap);
        imgW = Math.Max(imgW, (int)Math.Ceiling(titleFont.MeasureText(title) + 2 * Margin));

        using var surface = SKSurface.Create(new SKImageInfo(imgW, imgH, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("could not create a drawing surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };

        if (titleHeight > 0) canvas.DrawText(title, imgW / 2f, Margin + TitleSize, SKTextAlign.Center, titleFont, text);
        float gridTop = Margin + titleHeight + colLabelHeight;
        float gridLeft = Margin + rowLabelWidth;
        for (int c = 0; c < Math.Min(cols, columnLabels.Count); c++)
            canvas.DrawText(columnLabels[c], gridLeft + c * (cw + Gap) + cw / 2f, gridTop - Gap, SKTextAlign.Center, labelFont, text);
        for (int r = 0; r < rows; r++)
        {
            float top = gridTop + r * (ch + Gap);
            if (r < rowLabels.Count)
                canvas.DrawText(rowLabels[r], gridLeft - Gap, top + ch / 2f + LabelSize / 3f, SKTextAlign.Right, labelFont, text);
            for (int c = 0; c < cells[r].Count; c++)
            {
                using var bitmap = ToBitmap(cells[r][c], channels, height, width);
                using var image = SKImage.FromBitmap(bitmap);
                var dest = SKRect.Create(gridLeft + c * (cw + Gap), top, cw, ch);
                canvas.DrawImage(image, dest, new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
            }
        }

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, png.SaveTo); // a full disk leaves the previous file, never a truncated one
    }

    /// <summary>[-1, 1] → [0, 255], clamped (a prediction may overshoot the range).</summary>
    public static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round((v + 1f) * 127.5f), 0, 255);

    static SKBitmap ToBitmap(float[] chw, int channels, int height, int width)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[width * height * 4];
        int plane = height * width;
        for (int i = 0; i < plane; i++)
        {
            byte r = ToByte(chw[i]);
            pixels[4 * i] = r;
            pixels[4 * i + 1] = channels == 3 ? ToByte(chw[plane + i]) : r;
            pixels[4 * i + 2] = channels == 3 ? ToByte(chw[2 * plane + i]) : r;
            pixels[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }
}
