// tqc_resize_f32: RESIZE_BILINEAR of uint8 images as LiteRT's reference float kernel
// (reference_ops::ResizeBilinear<uint8_t>) computes it, in IEEE float32 operations rounded to
// nearest even, left to right, no fused multiply-add:
//
//   out = trunc(((((x00*ry)*rx + (x10*dy)*rx) + (x01*ry)*dx) + (x11*dy)*dx) + 0.5)
//
// with x.. the four taps as float32, dy = pos_y - y0 and ry = 1 - dy (float32, dy negative at
// the first half-pixel rows, where y0 = y1 = 0), likewise dx, rx. (y0, y1, ry, dy) of each
// output row and (x0, x1, rx, dx) of each output column are compile-time constants from the
// reference's index rules, in two ROM files (YFILE, XFILE: words {lo, hi, w_lo, w_hi}).
// Every value stays +-0 or normal and finite (the emitter proves it from the ROMs), which is
// the domain of tqc_f32_mul / tqc_f32_add.
//
// The image streams into a ring frame buffer (tqc_frame, one bank); for each output element,
// in NHWC order, a walker reads the four taps one per cycle, so an output costs 4 cycles. The
// tap pipeline: frame read (A), x*w_y (B), *w_x (C), accumulate (D), then + 0.5 and truncate
// into the output register. An output row starts as soon as input row y1 is in; the next
// image loads while this one is walked.
module tqc_resize_f32 #(
    parameter H = 1, W = 1, C = 1,
    parameter OH = 1, OW = 1,
    parameter ER = 0,           // extra rows in the ring frame buffer (0..H)
    parameter AW = 1,           // frame buffer address width ((H+ER)*W*C words)
    parameter YW = 1, XCW = 1, ICW = 1, CW = 1, RW = 1,
    parameter IYW = 1, IXW = 1, // input row / column index widths
    parameter YFILE = "y.hex",
    parameter XFILE = "x.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [7:0] in_data,
    output out_valid,
    input out_ready,
    output [7:0] out_data
);
    localparam integer LAST_C_I = C - 1;
    localparam integer LAST_OY_I = OH - 1;
    localparam integer LAST_OX_I = OW - 1;
    localparam [CW-1:0] LAST_C = LAST_C_I[CW-1:0];
    localparam [YW-1:0] LAST_OY = LAST_OY_I[YW-1:0];
    localparam [XCW-1:0] LAST_OX = LAST_OX_I[XCW-1:0];
    localparam [31:0] HALF = 32'h3F000000;   // 0.5f

    reg [2*IYW+63:0] ytab [0:OH-1];         // {y0, y1, ry, dy}
    reg [2*IXW+63:0] xtab [0:OW-1];         // {x0, x1, rx, dx}
    initial $readmemh(YFILE, ytab);
    initial $readmemh(XFILE, xtab);

    // ---- walker: one tap per cycle -------------------------------------------------------
    reg [YW-1:0] oy;
    reg [XCW-1:0] ox;
    reg [CW-1:0] ch;
    reg [1:0] tap;              // bit 0: lower / upper row, bit 1: left / right column
    wire adv;
    wire [2*IYW+63:0] yv = ytab[oy];
    wire [2*IXW+63:0] xv = xtab[ox];
    wire [IYW-1:0] y0 = yv[2*IYW+63:IYW+64], y1 = yv[IYW+63:64];
    wire [IXW-1:0] x0 = xv[2*IXW+63:IXW+64], x1 = xv[IXW+63:64];
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
    wire [31:0] wy = tap[0] ? yv[31:0] : yv[63:32];
    wire [31:0] wx = tap[1] ? xv[31:0] : xv[63:32];

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

    // ---- tap pipeline ----------------------------------------------------------------------
    wire [7:0] xq;
    tqc_frame #(.H(H), .W(W), .C(C), .NB(1), .CB(C), .ER(ER), .AW(AW), .BW(1), .CBW(CW),
                .ICW(ICW), .RW(RW), .XW(8)) frame (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
        .low(low32[RW-1:0]), .walk_end(walk_end), .rows(rows),
        .rd_en(adv), .rd_word(addr32[AW-1:0]), .q(xq)
    );

    // A: the tap's byte arrives from the frame buffer
    reg a_valid, a_first, a_last;
    reg [31:0] a_wy, a_wx;
    always @(posedge clk) begin
        if (rst) a_valid <= 1'b0;
        else if (adv) a_valid <= issue;
        if (adv) begin
            a_first <= tap == 2'd0;
            a_last <= tap == 2'd3;
            a_wy <= wy;
            a_wx <= wx;
        end
    end

    // B: x * w_y
    wire [31:0] xf, xy;
    tqc_u8_to_f32 u_xf (.x(xq), .y(xf));
    tqc_f32_mul u_my (.a(xf), .b(a_wy), .y(xy));
    reg b_valid, b_first, b_last;
    reg [31:0] b_xy, b_wx;
    always @(posedge clk) begin
        if (rst) b_valid <= 1'b0;
        else if (adv) b_valid <= a_valid;
        if (adv) begin
            b_first <= a_first;
            b_last <= a_last;
            b_xy <= xy;
            b_wx <= a_wx;
        end
    end

    // C: (x * w_y) * w_x
    wire [31:0] term;
    tqc_f32_mul u_mx (.a(b_xy), .b(b_wx), .y(term));
    reg c_valid, c_first, c_last;
    reg [31:0] c_term;
    always @(posedge clk) begin
        if (rst) c_valid <= 1'b0;
        else if (adv) c_valid <= b_valid;
        if (adv) begin
            c_first <= b_first;
            c_last <= b_last;
            c_term <= term;
        end
    end

    // D: the running sum, left to right
    wire [31:0] acc_next;
    reg [31:0] acc;
    reg d_done;
    tqc_f32_add u_acc (.a(acc), .b(c_term), .y(acc_next));
    always @(posedge clk) begin
        if (rst) d_done <= 1'b0;
        else if (adv) d_done <= c_valid && c_last;
        if (adv && c_valid) acc <= c_first ? c_term : acc_next;
    end

    // ---- + 0.5, truncation and output ------------------------------------------------------
    wire [31:0] rounded;
    wire [7:0] result;
    tqc_f32_add u_half (.a(acc), .b(HALF), .y(rounded));
    tqc_f32_to_u8 u_trunc (.v(rounded), .y(result));
    reg o_valid;
    reg [7:0] o_data;
    wire o_free = !o_valid || out_ready;
    assign adv = !d_done || o_free;
    always @(posedge clk) begin
        if (rst) o_valid <= 1'b0;
        else if (d_done && o_free) o_valid <= 1'b1;
        else if (out_ready) o_valid <= 1'b0;
        if (d_done && o_free) o_data <= result;
    end
    assign out_valid = o_valid;
    assign out_data = o_data;
endmodule
