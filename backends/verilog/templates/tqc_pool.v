// tqc_pool: AVERAGE_POOL_2D / MAX_POOL_2D over the in-bounds window elements.
//
//   average (MAX = 0): s = sum, n = count of in-bounds taps; out = (s > 0 ? s + n/2 : s - n/2) / n
//                      with C division (towards zero), int32 (TFLM integer AveragePool);
//   maximum (MAX = 1): the largest in-bounds element (XW bits).
// The image streams into a ring frame buffer (tqc_frame, one bank, word pixel*C + c); for each
// output element, in NHWC order, a walker reads the taps one per cycle and a pipeline
// accumulates them; a finished window goes to a restoring divider (DVW cycles) and then to the
// output, while the walker already reads the next window's taps, so an output costs
// max(taps, DVW + 1) cycles. A pixel row starts as soon as the input rows it needs have
// arrived; the next image loads while this one is walked.
module tqc_pool #(
    parameter H = 1, W = 1, C = 1,
    parameter OH = 1, OW = 1,
    parameter KH = 1, KW = 1,
    parameter SH = 1, SW = 1,
    parameter PT = 0, PL = 0,
    parameter MAX = 0,
    parameter ER = 0,           // extra rows in the ring frame buffer (0..H)
    parameter AW = 1,           // frame buffer address width ((H+ER)*W*C words)
    parameter YW = 1, XCW = 1, ICW = 1, CW = 1, KYW = 1, KXW = 1, RW = 1,
    parameter CNW = 1,          // width of the tap count (0..KH*KW)
    parameter DVW = 1,          // width of the dividend |s| + n/2
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter OUTW = 32         // 32 (average) or XW (maximum)
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [OUTW-1:0] out_data
);
    localparam integer LAST_C_I = C - 1;
    localparam integer LAST_OY_I = OH - 1;
    localparam integer LAST_OX_I = OW - 1;
    localparam integer LAST_KY_I = KH - 1;
    localparam integer LAST_KX_I = KW - 1;
    localparam [CW-1:0] LAST_C = LAST_C_I[CW-1:0];
    localparam [YW-1:0] LAST_OY = LAST_OY_I[YW-1:0];
    localparam [XCW-1:0] LAST_OX = LAST_OX_I[XCW-1:0];
    localparam [KYW-1:0] LAST_KY = LAST_KY_I[KYW-1:0];
    localparam [KXW-1:0] LAST_KX = LAST_KX_I[KXW-1:0];
    localparam integer DVW_I = DVW;
    localparam [5:0] DVW6_LAST = DVW_I[5:0] - 6'd1;
    localparam [1:0] D_IDLE = 2'd0, D_DIV = 2'd1, D_OUT = 2'd2;

    // ---- walker: one tap per cycle -------------------------------------------------------
    reg [YW-1:0] oy;
    reg [XCW-1:0] ox;
    reg [CW-1:0] ch;
    reg [KYW-1:0] ky;
    reg [KXW-1:0] kx;
    wire adv;
    wire window_last = ky == LAST_KY && kx == LAST_KX;
    wire walk_last = window_last && ch == LAST_C && ox == LAST_OX && oy == LAST_OY;
    wire [31:0] oy32 = {{(32-YW){1'b0}}, oy};
    wire [31:0] ox32 = {{(32-XCW){1'b0}}, ox};
    wire [31:0] ky32 = {{(32-KYW){1'b0}}, ky};
    wire [31:0] kx32 = {{(32-KXW){1'b0}}, kx};
    wire [31:0] ch32 = {{(32-CW){1'b0}}, ch};
    wire [RW-1:0] rows;         // input rows of this image in the frame buffer
    wire [31:0] rows32 = {{(32-RW){1'b0}}, rows};
    integer iy, ix, need, low;
    /* verilator lint_off UNUSEDSIGNAL */
    integer addr_i;
    /* verilator lint_on UNUSEDSIGNAL */
    reg in_image;
    always @(*) begin
        iy = oy32 * SH - PT + ky32;
        ix = ox32 * SW - PL + kx32;
        need = oy32 * SH - PT + KH - 1;
        if (need > H - 1) need = H - 1;
        if (need < 0) need = 0;
        low = oy32 * SH - PT;                      // first input row it (and later rows) read
        if (low < 0) low = 0;
        if (low > H) low = H;
        in_image = iy >= 0 && iy < H && ix >= 0 && ix < W;
        addr_i = in_image ? (iy * W + ix) * C + ch32 : 0;
    end
    wire issue = adv && $signed(rows32) > need;
    wire walk_end = issue && walk_last;

    always @(posedge clk) begin
        if (rst) begin
            oy <= {YW{1'b0}};
            ox <= {XCW{1'b0}};
            ch <= {CW{1'b0}};
            ky <= {KYW{1'b0}};
            kx <= {KXW{1'b0}};
        end else begin
            if (issue) begin
                if (kx != LAST_KX) kx <= kx + 1'b1;
                else begin
                    kx <= {KXW{1'b0}};
                    if (ky != LAST_KY) ky <= ky + 1'b1;
                    else begin
                        ky <= {KYW{1'b0}};
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
        end
    end

    // ---- tap pipeline: read (A), then accumulate (B) ---------------------------------------
    wire [XW-1:0] xq;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] low32 = low;    // 0..H
    /* verilator lint_on UNUSEDSIGNAL */
    tqc_frame #(.H(H), .W(W), .C(C), .NB(1), .CB(C), .ER(ER), .AW(AW), .BW(1), .CBW(CW),
                .ICW(ICW), .RW(RW), .XW(XW)) frame (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
        .low(low32[RW-1:0]), .walk_end(walk_end), .rows(rows),
        .rd_en(adv), .rd_word(addr_i[AW-1:0]), .q(xq)
    );

    reg a_valid, a_first, a_last, a_in;
    always @(posedge clk) begin
        if (rst) a_valid <= 1'b0;
        else if (adv) a_valid <= issue;
        if (adv) begin
            a_first <= ky == {KYW{1'b0}} && kx == {KXW{1'b0}};
            a_last <= window_last;
            a_in <= in_image;
        end
    end

    reg b_done;                 // a window's sum (count, maximum) is complete
    reg [31:0] sum;
    reg [CNW-1:0] cnt;
    reg [XW-1:0] best;
    wire [31:0] x32 = {{(32-XW){XSIGNED != 0 && xq[XW-1]}}, xq};
    wire better = XSIGNED != 0 ? $signed(xq) > $signed(best) : xq > best;
    always @(posedge clk) begin
        if (rst) b_done <= 1'b0;
        else if (adv) b_done <= a_valid && a_last;
        if (adv && a_valid) begin
            sum <= (a_first ? 32'd0 : sum) + (a_in ? x32 : 32'd0);
            cnt <= (a_first ? {CNW{1'b0}} : cnt) + {{(CNW-1){1'b0}}, a_in};
            if (a_first || (a_in && better))
                best <= a_in ? xq : (XSIGNED != 0 ? {1'b1, {(XW-1){1'b0}}} : {XW{1'b0}});
        end
    end

    // ---- divider (|s| + n/2 over n, DVW cycles) and output --------------------------------
    reg [1:0] dstate;
    wire d_free = dstate == D_IDLE || (dstate == D_OUT && out_ready);
    wire take = b_done && d_free;
    assign adv = !b_done || d_free;

    wire [31:0] half = {{(32-CNW){1'b0}}, cnt >> 1};
    wire [31:0] num = $signed(sum) > 0 ? sum + half : sum - half;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] mag = num[31] ? -num : num;      // DVW bits suffice
    reg neg;
    reg [DVW-1:0] dvd, quo;
    reg [CNW-1:0] rem, dcnt;
    reg [5:0] bitn;
    wire [CNW:0] rem_shift = {rem[CNW-1:0], dvd[DVW-1]};
    wire fits = rem_shift >= {1'b0, dcnt};
    wire [CNW:0] rem_next = fits ? rem_shift - {1'b0, dcnt} : rem_shift;  // < dcnt
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */
    reg [XW-1:0] best_out;      // MAX = 1 only
    wire [OUTW-1:0] quotient = {{(OUTW-DVW){1'b0}}, quo};   // MAX = 0 only
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        if (rst) dstate <= D_IDLE;
        else if (take) dstate <= MAX != 0 ? D_OUT : D_DIV;
        else if (dstate == D_DIV && bitn == DVW6_LAST) dstate <= D_OUT;
        else if (dstate == D_OUT && out_ready) dstate <= D_IDLE;
        if (take) begin
            best_out <= best;
            neg <= num[31];
            dvd <= mag[DVW-1:0];
            quo <= {DVW{1'b0}};
            rem <= {CNW{1'b0}};
            dcnt <= cnt;
            bitn <= 6'd0;
        end else if (dstate == D_DIV) begin
            dvd <= dvd << 1;
            rem <= rem_next[CNW-1:0];
            quo <= {quo[DVW-2:0], fits};
            bitn <= bitn + 6'd1;
        end
    end

    generate
        if (MAX != 0) begin : max_out
            assign out_data = best_out[OUTW-1:0];
        end else begin : avg_out
            assign out_data = neg ? -quotient : quotient;
        end
    endgenerate
    assign out_valid = dstate == D_OUT;
endmodule
