// tqc_matmul: a matrix product of two streams (BATCH_MATMUL of two computed operands, a
// FULLY_CONNECTED whose weights are computed in the graph):
//     acc[r][u] = bias[u] + sum_k (x[r][k] + XOFF) * (w[u][k] + WOFF)    (ACCW bits, wrapping)
// x [ROWS, K] and w [UNITS, K] stream in row-major order, one element per beat each, into
// their own double-buffered memories (tqc_tensor_buffer: the next pair loads while this one is
// walked; the two load independently, so a fork may feed both). Once both are whole, one
// multiply-accumulate per cycle over r, u, k; each finished accumulator leaves as one output
// element (row-major [ROWS, UNITS]). Pipeline: issue (registered reads), multiply-accumulate;
// the whole walk stalls while the output register is full.
module tqc_matmul #(
    parameter ROWS = 1,
    parameter UNITS = 1,
    parameter K = 1,
    parameter XAW = 1,          // address width of x (ROWS*K elements)
    parameter WAW = 1,          // address width of w (UNITS*K elements)
    parameter RW = 1,           // counter widths: rows, units, depth
    parameter UW = 1,
    parameter KW = 1,
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter XVW = 9,          // width of x + XOFF
    parameter signed [31:0] XOFF = 0,
    parameter WW = 8,
    parameter WSIGNED = 1,
    parameter WVW = 9,          // width of w + WOFF
    parameter signed [31:0] WOFF = 0,
    parameter ACCW = 32,
    parameter HAS_BIAS = 0,
    parameter BFILE = ""
) (
    input clk,
    input rst,
    input x_valid,
    output x_ready,
    input [XW-1:0] x_data,
    input w_valid,
    output w_ready,
    input [WW-1:0] w_data,
    output out_valid,
    input out_ready,
    output [ACCW-1:0] out_data
);
    localparam integer ROWS_L = ROWS - 1;
    localparam integer UNITS_L = UNITS - 1;
    localparam integer K_L = K - 1;
    localparam [RW-1:0] R_LAST = ROWS_L[RW-1:0];
    localparam [UW-1:0] U_LAST = UNITS_L[UW-1:0];
    localparam [KW-1:0] K_LAST = K_L[KW-1:0];
    localparam integer PW = XVW + WVW;

    wire x_full, w_full;
    wire [XW-1:0] xq;
    wire [WW-1:0] wq;
    reg [XAW-1:0] xa;           // r*K + k
    reg [WAW-1:0] wa;           // u*K + k
    reg [XAW-1:0] xrow;         // r*K
    reg [RW-1:0] r;
    reg [UW-1:0] u;
    reg [KW-1:0] k;
    reg o_valid;
    reg [ACCW-1:0] o_data;
    wire adv = !o_valid || out_ready;
    wire issue = adv && x_full && w_full;
    wire k_end = k == K_LAST;
    wire u_end = u == U_LAST;
    wire r_end = r == R_LAST;
    wire done = issue && k_end && u_end && r_end;

    tqc_tensor_buffer #(.W(XW), .N(ROWS * K), .AW(XAW)) u_x (
        .clk(clk), .rst(rst), .in_valid(x_valid), .in_ready(x_ready), .in_data(x_data),
        .full(x_full), .done(done), .rd_en(issue), .rd_addr(xa), .rd_data(xq));
    tqc_tensor_buffer #(.W(WW), .N(UNITS * K), .AW(WAW)) u_w (
        .clk(clk), .rst(rst), .in_valid(w_valid), .in_ready(w_ready), .in_data(w_data),
        .full(w_full), .done(done), .rd_en(issue), .rd_addr(wa), .rd_data(wq));

    always @(posedge clk) begin
        if (rst) begin
            xa <= {XAW{1'b0}};
            wa <= {WAW{1'b0}};
            xrow <= {XAW{1'b0}};
            r <= {RW{1'b0}};
            u <= {UW{1'b0}};
            k <= {KW{1'b0}};
        end else if (issue) begin
            k <= k_end ? {KW{1'b0}} : k + 1'b1;
            if (!k_end) begin
                xa <= xa + 1'b1;
                wa <= wa + 1'b1;
            end else if (!u_end) begin      // next unit: the same row of x
                u <= u + 1'b1;
                xa <= xrow;
                wa <= wa + 1'b1;
            end else if (!r_end) begin      // next row of x, unit 0
                u <= {UW{1'b0}};
                r <= r + 1'b1;
                xa <= xa + 1'b1;
                xrow <= xa + 1'b1;
                wa <= {WAW{1'b0}};
            end else begin                  // the pair is done
                u <= {UW{1'b0}};
                r <= {RW{1'b0}};
                xa <= {XAW{1'b0}};
                xrow <= {XAW{1'b0}};
                wa <= {WAW{1'b0}};
            end
        end
    end

    // stage 1: the reads of the issued element are in xq / wq
    reg v1, first1, last1;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [UW-1:0] u1;            // read by the bias ROM only
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        if (rst) v1 <= 1'b0;
        else if (adv) v1 <= issue;
        if (adv) begin
            first1 <= k == {KW{1'b0}};
            last1 <= k_end;
            u1 <= u;
        end
    end

    // the bias of unit u1 (a ROM), or 0
    wire [ACCW-1:0] bias;
    generate
        if (HAS_BIAS != 0) begin : g_bias
            reg [ACCW-1:0] brom [0:UNITS-1];
            initial $readmemh(BFILE, brom);
            assign bias = brom[u1];
        end else begin : g_nobias
            assign bias = {ACCW{1'b0}};
        end
    endgenerate

    // stage 2: multiply-accumulate
    localparam [XVW-1:0] XOFF_V = XOFF[XVW-1:0];
    localparam [WVW-1:0] WOFF_V = WOFF[WVW-1:0];
    wire [XVW-1:0] xe = {{(XVW-XW){XSIGNED != 0 && xq[XW-1]}}, xq} + XOFF_V;
    wire [WVW-1:0] we = {{(WVW-WW){WSIGNED != 0 && wq[WW-1]}}, wq} + WOFF_V;
    wire [PW-1:0] prod = {{WVW{xe[XVW-1]}}, xe} * {{XVW{we[WVW-1]}}, we};
    wire [ACCW-1:0] prod_ext = {{(ACCW-PW){prod[PW-1]}}, prod};
    reg [ACCW-1:0] acc;
    wire [ACCW-1:0] sum = (first1 ? bias : acc) + prod_ext;
    always @(posedge clk) begin
        if (rst) o_valid <= 1'b0;
        else begin
            if (o_valid && out_ready) o_valid <= 1'b0;
            if (adv && v1 && last1) o_valid <= 1'b1;
        end
        if (adv && v1) begin
            acc <= sum;
            if (last1) o_data <= sum;
        end
    end
    assign out_valid = o_valid;
    assign out_data = o_data;
endmodule
