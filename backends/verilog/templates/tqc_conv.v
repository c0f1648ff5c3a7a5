// tqc_conv: folded CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED engine with PU x PK
// multiply-accumulate units (FULLY_CONNECTED is a 1x1 convolution over an H x 1 image).
//
//   acc[oy,ox,o] = bias[o] + sum_taps (x[iy,ix,c] + XOFF) * (w[o,ky,kx,c] + WOFF)
//   in ACCW-bit two's complement, wrapping: int32, or int64 for the 16x8 kernels (int16 input)
//   iy = oy*SH - PT + ky*DH, ix = ox*SW - PL + kx*DW; taps outside the image contribute nothing.
//   Depthwise: output channel o reads input channel o / M only.
//
// The input image streams in (LI elements per beat, NHWC order) into the NB banks of a ring
// frame buffer (tqc_frame): channel c goes to bank c % NB at word (pixel*CB + c / NB). A walker
// visits the output pixels in order; per pixel NG groups of PU output channels; per group NK
// steps (conv: taps ky, kx and channel blocks of PK; depthwise: taps). It starts a pixel row as
// soon as the input rows it needs have arrived, so loading overlaps computing, and the next
// image loads while this one is walked (into the rows the walker is past, and ER extra rows).
// Each finished group is copied to an output shift register and streamed out LO ACCW-bit
// accumulators per beat (lane i: channel g*PU + beat*LO + i; LO divides PU and O), while the
// next group accumulates, so a group costs max(NK, PU / LO) cycles.
//
// Weight ROM word (g*NK + step): conv lane (u*PK + j) = w[g*PU+u][ky][kx][cb*PK+j];
// depthwise lane u = w[ky][kx][g*PU+u]; WW bits per lane, lane 0 in the low bits. Bias ROM word
// g lane u = bias[g*PU+u]. Lanes past the tensors' edges are zero or masked.
// Pipeline: issue -> A (memory outputs) -> B (products summed) -> C (accumulate) -> output;
// one enable `adv` stalls it while the output register is busy.
module tqc_conv #(
    parameter H = 1, W = 1, C = 1,          // input image
    parameter OH = 1, OW = 1, O = 1,        // output image
    parameter KH = 1, KW = 1,               // kernel
    parameter SH = 1, SW = 1,               // strides
    parameter DH = 1, DW = 1,               // dilations
    parameter PT = 0, PL = 0,               // padding before the first row / column
    parameter DEPTHWISE = 0,
    parameter M = 1,                        // depthwise channel multiplier
    parameter PU = 1,                       // output channel lanes
    parameter PK = 1,                       // input channel lanes (conv; 1 for depthwise)
    parameter NB = 1,                       // frame buffer banks (conv: PK, depthwise: PU/M)
    parameter LI = 1,                       // input elements per beat (divides NB and C)
    parameter LO = 1,                       // output accumulators per beat (divides PU and O)
    parameter CB = 1,                       // words per pixel: ceil(C / NB)
    parameter NK = 1,                       // steps per group
    parameter NG = 1,                       // groups: ceil(O / PU)
    parameter ER = 0,                       // extra rows in the ring frame buffer (0..H)
    parameter AW = 1,                       // bank address width ((H+ER)*W*CB words)
    parameter BW = 1,                       // bank index width
    parameter CBW = 1,                      // channel block counter width
    parameter YW = 1, XCW = 1,              // output row / column counter widths
    parameter ICW = 1,                      // input column counter width
    parameter KYW = 1, KXW = 1,             // kernel counter widths
    parameter RW = 1,                       // input row counter width (0..H)
    parameter GAW = 1,                      // group counter width
    parameter WAW = 1,                      // weight ROM address width (NG*NK words)
    parameter OCW = 1,                      // output beat counter width (PU / LO beats)
    parameter XW = 8,                       // input element width
    parameter XSIGNED = 1,
    parameter XVW = 10,                     // width of x + XOFF (signed)
    parameter signed [31:0] XOFF = 0,
    parameter WW = 8,                       // weight width
    parameter WSIGNED = 1,
    parameter WVW = 10,                     // width of w + WOFF (signed)
    parameter signed [31:0] WOFF = 0,
    parameter ACCW = 32,                    // accumulator and bias width: 32, or 64 (16x8 kernels)
    parameter HAS_BIAS = 1,
    parameter WFILE = "weights.hex",
    parameter BFILE = "bias.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [LI*XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [LO*ACCW-1:0] out_data
);
    localparam PW = XVW + WVW;                      // product width
    localparam WL = DEPTHWISE ? PU : PU * PK;       // weight lanes per ROM word
    localparam integer LAST_G_I = NG - 1;
    localparam integer LAST_OY_I = OH - 1;
    localparam integer LAST_OX_I = OW - 1;
    localparam integer LAST_KY_I = KH - 1;
    localparam integer LAST_KX_I = KW - 1;
    localparam integer STEP_CB_I = DEPTHWISE ? 0 : CB - 1;
    localparam integer FULL_LEFT_I = PU / LO - 1;
    localparam integer LAST_LEFT_I = (O - (NG - 1) * PU) / LO - 1;
    localparam [CBW-1:0] LAST_CB = STEP_CB_I[CBW-1:0];
    localparam [GAW-1:0] LAST_G = LAST_G_I[GAW-1:0];
    localparam [YW-1:0] LAST_OY = LAST_OY_I[YW-1:0];
    localparam [XCW-1:0] LAST_OX = LAST_OX_I[XCW-1:0];
    localparam [KYW-1:0] LAST_KY = LAST_KY_I[KYW-1:0];
    localparam [KXW-1:0] LAST_KX = LAST_KX_I[KXW-1:0];
    localparam [OCW-1:0] FULL_LEFT = FULL_LEFT_I[OCW-1:0];
    localparam [OCW-1:0] LAST_LEFT = LAST_LEFT_I[OCW-1:0];
    localparam signed [XVW-1:0] XOFF_V = XOFF[XVW-1:0];
    localparam signed [WVW-1:0] WOFF_V = WOFF[WVW-1:0];

    // ---- walker ------------------------------------------------------------------------
    reg [YW-1:0] oy;
    reg [XCW-1:0] ox;
    reg [GAW-1:0] grp;
    reg [KYW-1:0] ky;
    reg [KXW-1:0] kx;
    reg [CBW-1:0] cb;
    reg [WAW-1:0] w_addr;
    wire adv;
    wire step_last = ky == LAST_KY && kx == LAST_KX && cb == LAST_CB;
    wire pixel_last = step_last && grp == LAST_G;
    wire walk_last = pixel_last && ox == LAST_OX && oy == LAST_OY;

    wire [31:0] oy32 = {{(32-YW){1'b0}}, oy};
    wire [31:0] ox32 = {{(32-XCW){1'b0}}, ox};
    wire [31:0] ky32 = {{(32-KYW){1'b0}}, ky};
    wire [31:0] kx32 = {{(32-KXW){1'b0}}, kx};
    wire [31:0] cbsel = DEPTHWISE ? {{(32-GAW){1'b0}}, grp} : {{(32-CBW){1'b0}}, cb};
    wire [RW-1:0] rows;         // input rows of this image in the frame buffer
    wire [31:0] rows32 = {{(32-RW){1'b0}}, rows};
    integer iy, ix, need, low;
    /* verilator lint_off UNUSEDSIGNAL */
    integer addr_i;             // only the low AW bits address a bank
    /* verilator lint_on UNUSEDSIGNAL */
    reg in_image;
    always @(*) begin
        iy = oy32 * SH - PT + ky32 * DH;
        ix = ox32 * SW - PL + kx32 * DW;
        need = oy32 * SH - PT + (KH - 1) * DH;     // last input row this output row reads
        if (need > H - 1) need = H - 1;
        if (need < 0) need = 0;
        low = oy32 * SH - PT;                      // first input row it (and later rows) read
        if (low < 0) low = 0;
        if (low > H) low = H;
        in_image = iy >= 0 && iy < H && ix >= 0 && ix < W;
        addr_i = in_image ? (iy * W + ix) * CB + cbsel : 0;
    end
    wire issue = $signed(rows32) > need && adv;
    wire walk_end = issue && walk_last;

    always @(posedge clk) begin
        if (rst) begin
            oy <= {YW{1'b0}};
            ox <= {XCW{1'b0}};
            grp <= {GAW{1'b0}};
            ky <= {KYW{1'b0}};
            kx <= {KXW{1'b0}};
            cb <= {CBW{1'b0}};
            w_addr <= {WAW{1'b0}};
        end else begin
            if (issue) begin
                w_addr <= pixel_last ? {WAW{1'b0}} : w_addr + 1'b1;
                if (cb != LAST_CB) cb <= cb + 1'b1;
                else begin
                    cb <= {CBW{1'b0}};
                    if (kx != LAST_KX) kx <= kx + 1'b1;
                    else begin
                        kx <= {KXW{1'b0}};
                        if (ky != LAST_KY) ky <= ky + 1'b1;
                        else begin
                            ky <= {KYW{1'b0}};
                            if (grp != LAST_G) grp <= grp + 1'b1;
                            else begin
                                grp <= {GAW{1'b0}};
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
            end
        end
    end

    // ---- memories (registered reads, stage A) -----------------------------------------
    wire [NB*XW-1:0] xq;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] low32 = low;    // 0..H
    /* verilator lint_on UNUSEDSIGNAL */
    tqc_frame #(.H(H), .W(W), .C(C), .NB(NB), .LI(LI), .CB(CB), .ER(ER), .AW(AW), .BW(BW), .CBW(CBW),
                .ICW(ICW), .RW(RW), .XW(XW)) frame (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
        .low(low32[RW-1:0]), .walk_end(walk_end), .rows(rows),
        .rd_en(adv), .rd_word(addr_i[AW-1:0]), .q(xq)
    );

    reg [WL*WW-1:0] wrom [0:NG*NK-1];
    reg [WL*WW-1:0] wq;
    initial $readmemh(WFILE, wrom);
    always @(posedge clk) if (adv) wq <= wrom[w_addr];

    wire [PU*ACCW-1:0] bq;
    generate
        if (HAS_BIAS) begin : with_bias
            reg [PU*ACCW-1:0] brom [0:NG-1];
            reg [PU*ACCW-1:0] q;
            initial $readmemh(BFILE, brom);
            always @(posedge clk) if (adv) q <= brom[grp];
            assign bq = q;
        end else begin : no_bias
            assign bq = {PU*ACCW{1'b0}};
        end
    endgenerate

    reg a_valid, a_first, a_last, a_lastgrp;
    reg [NB-1:0] a_mask;
    integer m;
    always @(posedge clk) begin
        if (rst) a_valid <= 1'b0;
        else if (adv) a_valid <= issue;
        if (adv) begin
            a_first <= ky == {KYW{1'b0}} && kx == {KXW{1'b0}} && cb == {CBW{1'b0}};
            a_last <= step_last;
            a_lastgrp <= grp == LAST_G;
            for (m = 0; m < NB; m = m + 1)
                a_mask[m] <= in_image && (DEPTHWISE != 0 || cbsel * PK + m < C);
        end
    end

    // ---- stage B: PU sums of products -----------------------------------------------------
    reg [PU*ACCW-1:0] psum;
    reg signed [XVW-1:0] xv;
    reg signed [WVW-1:0] wv;
    reg [PW-1:0] prod;
    reg [ACCW-1:0] s;
    integer u, p, lane;
    always @(*) begin
        psum = {PU*ACCW{1'b0}};
        xv = {XVW{1'b0}};
        wv = {WVW{1'b0}};
        prod = {PW{1'b0}};
        for (u = 0; u < PU; u = u + 1) begin
            s = {ACCW{1'b0}};
            for (p = 0; p < (DEPTHWISE ? 1 : PK); p = p + 1) begin
                lane = DEPTHWISE ? u / M : p;
                xv = {{(XVW-XW){XSIGNED != 0 && xq[lane*XW+XW-1]}}, xq[lane*XW +: XW]} + XOFF_V;
                wv = {{(WVW-WW){WSIGNED != 0 && wq[(u*PK+p)*WW+WW-1]}}, wq[(u*PK+p)*WW +: WW]}
                     + WOFF_V;
                prod = {{WVW{xv[XVW-1]}}, xv} * {{XVW{wv[WVW-1]}}, wv};
                if (a_mask[lane]) s = s + {{(ACCW-PW){prod[PW-1]}}, prod};
            end
            psum[u*ACCW +: ACCW] = s;
        end
    end

    reg b_valid, b_first, b_last, b_lastgrp;
    reg [PU*ACCW-1:0] b_psum, b_bias;
    always @(posedge clk) begin
        if (rst) b_valid <= 1'b0;
        else if (adv) b_valid <= a_valid;
        if (adv) begin
            b_first <= a_first;
            b_last <= a_last;
            b_lastgrp <= a_lastgrp;
            b_psum <= psum;
            b_bias <= bq;
        end
    end

    // ---- stage C: accumulate -------------------------------------------------------------
    reg [PU*ACCW-1:0] acc;
    reg c_done, c_lastgrp;
    integer q;
    always @(posedge clk) begin
        if (rst) c_done <= 1'b0;
        else if (adv) c_done <= b_valid && b_last;
        if (adv) begin
            c_lastgrp <= b_lastgrp;
            if (b_valid)
                for (q = 0; q < PU; q = q + 1)
                    acc[q*ACCW +: ACCW] <= (b_first ? b_bias[q*ACCW +: ACCW] : acc[q*ACCW +: ACCW])
                                       + b_psum[q*ACCW +: ACCW];
        end
    end

    // ---- output: a finished group shifts out LO accumulators per beat --------------------
    reg [PU*ACCW-1:0] obuf;
    reg o_busy;
    reg [OCW-1:0] o_left;
    wire o_free = !o_busy || (out_ready && o_left == {OCW{1'b0}});
    assign adv = !c_done || o_free;
    assign out_valid = o_busy;
    assign out_data = obuf[LO*ACCW-1:0];

    always @(posedge clk) begin
        if (rst) begin
            o_busy <= 1'b0;
            o_left <= {OCW{1'b0}};
        end else if (c_done && o_free) begin
            o_busy <= 1'b1;
            o_left <= c_lastgrp ? LAST_LEFT : FULL_LEFT;
        end else if (o_busy && out_ready) begin
            if (o_left == {OCW{1'b0}}) o_busy <= 1'b0;
            o_left <= o_left - 1'b1;
        end
    end
    generate
        if (PU > LO) begin : shift_out
            always @(posedge clk) begin
                if (c_done && o_free) obuf <= acc;
                else if (o_busy && out_ready) obuf <= {{LO*ACCW{1'b0}}, obuf[PU*ACCW-1:LO*ACCW]};
            end
        end else begin : single_out
            always @(posedge clk) if (c_done && o_free) obuf <= acc;
        end
    endgenerate
endmodule
