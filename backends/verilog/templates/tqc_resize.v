// tqc_resize: RESIZE_BILINEAR of int8 / int16 images (ResizeBilinearInteger, TFLM / LiteRT REF):
//
//   s = x[y0][x0]*(1024-fy)*(1024-fx) + x[y1][x0]*fy*(1024-fx)
//     + x[y0][x1]*(1024-fy)*fx + x[y1][x1]*fy*fx                  (exact, SW bits)
//   (fy, fx in -512..1023: negative at the first half-pixel positions, where y0 = y1 = 0)
//   out = (s + (s > 0 ? 2^19 : -2^19)) / 2^20                        (C division: half away)
//
// (y0, y1, fy) of each output row and (x0, x1, fx) of each output column come from two ROM
// files (YFILE, XFILE: words {lo, hi, frac}, computed at compile time by the reference's
// index rules). The image streams into a ring frame buffer (tqc_frame, one bank); for each
// output element, in NHWC order, a walker reads the four taps one per cycle and a pipeline
// accumulates them, so an output costs 4 cycles. An output row starts as soon as input row y1
// is in; the next image loads while this one is walked.
module tqc_resize #(
    parameter H = 1, W = 1, C = 1,
    parameter OH = 1, OW = 1,
    parameter ER = 0,           // extra rows in the ring frame buffer (0..H)
    parameter AW = 1,           // frame buffer address width ((H+ER)*W*C words)
    parameter YW = 1, XCW = 1, ICW = 1, CW = 1, RW = 1,
    parameter IYW = 1, IXW = 1, // input row / column index widths
    parameter XW = 8,
    parameter SW = 40,          // width of the weighted sum
    parameter YFILE = "y.hex",
    parameter XFILE = "x.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [XW-1:0] out_data
);
    localparam integer LAST_C_I = C - 1;
    localparam integer LAST_OY_I = OH - 1;
    localparam integer LAST_OX_I = OW - 1;
    localparam [CW-1:0] LAST_C = LAST_C_I[CW-1:0];
    localparam [YW-1:0] LAST_OY = LAST_OY_I[YW-1:0];
    localparam [XCW-1:0] LAST_OX = LAST_OX_I[XCW-1:0];

    reg [2*IYW+10:0] ytab [0:OH-1];     // {y0, y1, fy}
    reg [2*IXW+10:0] xtab [0:OW-1];     // {x0, x1, fx}
    initial $readmemh(YFILE, ytab);
    initial $readmemh(XFILE, xtab);

    // ---- walker: one tap per cycle -------------------------------------------------------
    reg [YW-1:0] oy;
    reg [XCW-1:0] ox;
    reg [CW-1:0] ch;
    reg [1:0] tap;              // bit 0: lower / upper row, bit 1: left / right column
    wire adv;
    wire [2*IYW+10:0] yv = ytab[oy];
    wire [2*IXW+10:0] xv = xtab[ox];
    wire [IYW-1:0] y0 = yv[2*IYW+10:IYW+11], y1 = yv[IYW+10:11];
    wire [IXW-1:0] x0 = xv[2*IXW+10:IXW+11], x1 = xv[IXW+10:11];
    wire [10:0] fy = yv[10:0], fx = xv[10:0];
    wire [RW-1:0] rows;         // input rows of this image in the frame buffer
    wire walk_last = tap == 2'd3 && ch == LAST_C && ox == LAST_OX && oy == LAST_OY;
    wire issue = adv && {{(32-RW){1'b0}}, rows} > {{(32-IYW){1'b0}}, y1};
    wire walk_end = issue && walk_last;
    wire [IYW-1:0] iy = tap[0] ? y1 : y0;
    wire [IXW-1:0] ix = tap[1] ? x1 : x0;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] addr32 = ({{(32-IYW){1'b0}}, iy} * W + {{(32-IXW){1'b0}}, ix}) * C
                         + {{(32-CW){1'b0}}, ch};
    wire [31:0] low32 = {{(32-IYW){1'b0}}, y0};
    /* verilator lint_on UNUSEDSIGNAL */
    wire signed [11:0] fy12 = {fy[10], fy}, fx12 = {fx[10], fx};   // -512..1023
    wire signed [11:0] wy = tap[0] ? fy12 : 12'sd1024 - fy12;
    wire signed [11:0] wx = tap[1] ? fx12 : 12'sd1024 - fx12;

    always @(posedge clk) begin
        if (rst) begin
            oy <= {YW{1'b0}};
            ox <= {XCW{1'b0}};
            ch <= {CW{1'b0}};
            tap <= 2'd0;
        end else if (issue) begin
            tap <= tap + 2'd1;
            if (tap == 2'd3) begin
                if (ch != LAST_C) ch <= ch + 1'b1;
                else begin
                    ch <= {CW{1'b0}};
                    if (ox != LAST_OX) ox <= ox + 1'b1;
                    else begin
                        ox <= {XCW{1'b0}};
                        if (oy != LAST_OY) oy <= oy + 1'b1;
                        else oy <= {YW{1'b0}};
                    end
                end
            end
        end
    end

    // ---- tap pipeline: read (A), then accumulate (B) ---------------------------------------
    wire [XW-1:0] xq;
    tqc_frame #(.H(H), .W(W), .C(C), .NB(1), .CB(C), .ER(ER), .AW(AW), .BW(1), .CBW(CW),
                .ICW(ICW), .RW(RW), .XW(XW)) frame (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
        .low(low32[RW-1:0]), .walk_end(walk_end), .rows(rows),
        .rd_en(adv), .rd_word(addr32[AW-1:0]), .q(xq)
    );

    reg a_valid, a_first, a_last;
    reg signed [23:0] a_w;      // wy * wx in [-1536*512, 1536*1536]
    always @(posedge clk) begin
        if (rst) a_valid <= 1'b0;
        else if (adv) a_valid <= issue;
        if (adv) begin
            a_first <= tap == 2'd0;
            a_last <= tap == 2'd3;
            a_w <= wy * wx;
        end
    end

    reg b_done;
    reg [SW-1:0] sum;
    wire [SW-1:0] term = $signed({{(SW-XW){xq[XW-1]}}, xq}) * $signed({{(SW-24){a_w[23]}}, a_w});
    always @(posedge clk) begin
        if (rst) b_done <= 1'b0;
        else if (adv) b_done <= a_valid && a_last;
        if (adv && a_valid) sum <= (a_first ? {SW{1'b0}} : sum) + term;
    end

    // ---- rounding and output ---------------------------------------------------------------
    reg o_valid;
    reg [XW-1:0] o_data;
    wire o_free = !o_valid || out_ready;
    assign adv = !b_done || o_free;
    wire negative = sum[SW-1];
    wire [SW-1:0] mag = negative ? -sum : sum;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SW-1:0] q = (mag + {{(SW-20){1'b0}}, 20'h80000}) >> 20;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        if (rst) o_valid <= 1'b0;
        else if (b_done && o_free) o_valid <= 1'b1;
        else if (out_ready) o_valid <= 1'b0;
        if (b_done && o_free) o_data <= negative ? -q[XW-1:0] : q[XW-1:0];
    end
    assign out_valid = o_valid;
    assign out_data = o_data;
endmodule
